"""Slip image decoding: POST /v1/payslips/decode (the server decodes and forgets)."""
