"""Tax payment slips (納付書): parse the convenience-store barcode and the eL-QR offline, say
what a slip means for a resident of a city (``assess``), and find the codes in a photo.

    from core.payslip import parse, assess, load_facts
    slip = parse("91959919833262024010101043480024071000395003")
    a = assess(slip, load_facts("matsusaka"), today)
"""

from core.payslip.assess import Assessment, MethodOption, Warning, assess
from core.payslip.facts import Facts, Method, PayslipDataError, load_facts
from core.payslip.model import CVS, ELQR, REJECTIONS, ElNumber, PayslipError, Slip
from core.payslip.parse import clean, parse, try_parse

__all__ = [
    "CVS",
    "ELQR",
    "REJECTIONS",
    "Assessment",
    "ElNumber",
    "Facts",
    "Method",
    "MethodOption",
    "PayslipDataError",
    "PayslipError",
    "Slip",
    "Warning",
    "assess",
    "clean",
    "load_facts",
    "parse",
    "try_parse",
]
