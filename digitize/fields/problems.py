"""What can be wrong with a field's value, as `str.format` templates: the words stored with the
value (English, as the CLI and the API give them) and the source the desk UI reads back, values
and all, to show them in the officer's language (`hoso.api.web.texts.field_problems`). A new
problem is a template here, or the desk shows it untranslated."""

from __future__ import annotations

# the citizen ID number (12 digits: province, century and sex, birth year, serial)
ID_LENGTH = "an ID number has exactly 12 digits"
ID_PROVINCE = "{code} is not a province code of birth registration"
ID_CENTURY = "digit 4 ({digit}) says born in the {century}s, date of birth says {born}"
ID_BIRTH_YEAR = "digits 5-6 ({digits}) do not match the birth year {born}"
ID_SEX = "digit 4 ({digit}) says {digit_sex}, the paper says {sex}"
ID_UNBORN = "digits 4-6 ({digits}) say born in {born}, a year still to come"
# other identifiers
TAX_CODE_FORM = "a tax code is 10 digits, or 10 digits and -NNN for a branch"
TAX_CODE_ZEROS = "digits 3 to 9 of a tax code cannot all be zero"
TAX_CODE_CHECK = "the check digit of the tax code is wrong"
DOSSIER_CODE_FORM = "a dossier code looks like 000.00.48.H17-250301-0042"
DOSSIER_CODE_DATE = "the receipt date in the dossier code ({date}) does not exist"
PROCEDURE_CODE_FORM = "a procedure code looks like 1.001234"
DOCUMENT_NUMBER_FORM = "a document number looks like 123/QĐ-UBND"
PHONE_FORM = (
    "a phone number is 10 digits from 03, 05, 07, 08 or 09, 11 from 02, or a 1800/1900 line"
)
# dates
NOT_A_DATE = "{value} is not a date that exists"
IN_THE_FUTURE = "{value} is in the future"
CARD_EXPIRY = (
    "a card expires on the birthday at 14, 25, 40 or 60: {expiry} is not one for "
    "a holder born {born}"
)
# what no value holds (an officer's correction carrying markup would reach other systems' forms)
NOT_TEXT = "a value holds no angle brackets or control characters"
# how it was read
REPAIRED = "read through OCR errors ({count} corrected): check it against the paper"
OCR_UNSURE = 'OCR was unsure of "{words}" ({confidence:.0%}): check it against the paper'
# a card's front against its machine-readable zone
ZONE_DISAGREES = (
    "the card's machine-readable zone reads {value}: check that front and back are one card"
)
# between the papers of one dossier
ID_TWO_NAMES = "ID number {number} is {one} on one paper and {other} on another"
NAME_TWO_IDS = "{name} has ID number {one} on one paper and {other} on another"
ID_TWO_BIRTHS = "ID number {number}: born {one} on one paper, {other} on another"

TEMPLATES = (
    ID_LENGTH, ID_PROVINCE, ID_CENTURY, ID_BIRTH_YEAR, ID_SEX, ID_UNBORN, TAX_CODE_FORM,
    TAX_CODE_ZEROS, TAX_CODE_CHECK, NOT_TEXT, DOSSIER_CODE_FORM, DOSSIER_CODE_DATE,
    PROCEDURE_CODE_FORM, DOCUMENT_NUMBER_FORM, PHONE_FORM, NOT_A_DATE, IN_THE_FUTURE,
    CARD_EXPIRY, REPAIRED, OCR_UNSURE,
    ZONE_DISAGREES, ID_TWO_NAMES, NAME_TWO_IDS, ID_TWO_BIRTHS,
)  # fmt: skip
