"""Machi's Flet client: views (Flet controls), view models (state and actions, no Flet)
and services (settings storage, the backend client, city data through ``core``).

Layers, outermost first::

    app/main.py         entry point: builds the services and the shell for one Flet page
    app/views/          Flet controls only; read view-model state, call view-model actions
    app/viewmodels/     state + actions, plain Python (unit-tested without a Flet client)
    app/services/       settings (SharedPreferences via a key-value seam), BackendClient
                        (httpx), GarbageRepository (core.garbage), NotificationService
"""
