"""Masking of personal numbers for people who may know that a record exists but not whom
to call or which identity card it names. Pure functions: no database, no settings."""


def mask_phone(phone: str) -> str:
    """138****5678: the network prefix and the last four digits stay."""
    phone = (phone or "").strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str) -> str:
    """4401**********1234: the region prefix and the last four characters stay (identity
    card numbers and organisations' unified social credit codes alike)."""
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
