from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from backend.delivery import planner
from backend.deps import DB, AuthedDevice, client_ip, get_settings
from backend.devices import service
from backend.devices.schemas import DeviceCreated, DeviceIn, DeviceOut, DevicePatch, TokenIn
from backend.errors import responses
from backend.settings import Settings
from backend.subscriptions.schemas import NEWS_CATEGORIES

router = APIRouter(prefix="/v1/devices", tags=["devices"])
AUTH = responses(401, 404, 413, 422, 429)


@router.post(
    "",
    status_code=201,
    response_model=DeviceCreated,
    responses=responses(400, 413, 422, 429),
    summary="Register a device",
)
def register(
    data: DeviceIn, request: Request, db: DB, settings: Settings = Depends(get_settings)
) -> DeviceCreated:
    request.app.state.register_limiter.check(client_ip(request), "device registrations from this address")
    service.check_web_push(data.web_push, settings)
    data.city = service.check_city(data.city)
    device, secret = service.register(db, data, NEWS_CATEGORIES)
    return DeviceCreated(id=device.id, secret=secret)


@router.get(
    "/{device_id}", response_model=DeviceOut, responses=AUTH, summary="The device as the server knows it"
)
def get_device(device: AuthedDevice) -> DeviceOut:
    return service.out(device)


@router.patch(
    "/{device_id}",
    response_model=DeviceOut,
    responses=AUTH,
    summary="Change the token or Web Push subscription, language, time zone, app version or city",
)
def patch_device(
    patch: DevicePatch, device: AuthedDevice, db: DB, settings: Settings = Depends(get_settings)
) -> DeviceOut:
    fields = patch.model_dump(exclude_unset=True)
    replan = False
    if "web_push" in fields and patch.web_push is not None:
        service.check_web_push(patch.web_push, settings)
        service.set_token(db, device, None, patch.web_push)
    elif "push_token" in fields or "web_push" in fields:
        service.set_token(db, device, fields.get("push_token"))
    if "city" in fields:
        device.city = service.check_city(fields["city"])
    for name in ("locale", "timezone"):
        if fields.get(name) and fields[name] != getattr(device, name):
            setattr(device, name, fields[name])
            replan = True
    if fields.get("app_version"):
        device.app_version = fields["app_version"]
    if replan:
        service.drop_pending(db, device.id, ("garbage", "app"))
    db.commit()
    if replan:
        planner.plan_device(db, settings, device.id)
    return service.out(device)


@router.put(
    "/{device_id}/token",
    response_model=DeviceOut,
    responses=AUTH,
    summary="Token or Web Push subscription refresh",
)
def put_token(
    data: TokenIn, device: AuthedDevice, db: DB, settings: Settings = Depends(get_settings)
) -> DeviceOut:
    service.check_web_push(data.web_push, settings)
    service.set_token(db, device, data.push_token, data.web_push)
    return service.out(device)


@router.delete(
    "/{device_id}",
    status_code=204,
    responses=AUTH,
    response_class=Response,
    summary="Unregister: delete the device and everything stored for it",
)
def unregister(device: AuthedDevice, db: DB) -> Response:
    service.unregister(db, device)
    return Response(status_code=204)
