"""What a page can warn a person about, as `str.format` templates, in one place.

The steps that notice a problem (rasterize, perspective, page) write a warning from these; the
desk UI (`hoso.api.web.texts`) knows each by its template and shows it in Vietnamese with its
values kept, importing this text alone rather than the page pipeline. A warning is for a
person: it says what happened and what to do, never only that something did.
"""

from __future__ import annotations

# -- the file (rasterize)
DAMAGED_IMAGE = (
    "the image data is damaged or cut short, so part of the page may be missing; "
    "check the PDF against the paper and rescan if needed"
)
# A multi-page file damaged after its first pages: those are read, the last of them says so.
CUT_SHORT = (
    "the file is damaged after this page ({detail}): the pages after it, if it had more, could "
    "not be read; the file as received is kept unchanged, so ask for it again or rescan"
)
# The same file given twice for one document: its pages are read again, and say so.
SAME_FILE_TWICE = (
    "this page comes from a file with the same content as {name}, whose pages start at page "
    "{page}: the same scan was given twice; leave one out if it was not meant"
)
# A GIF's pictures are an animation's frames, not a document's pages: the first is read
# (`triage`), and the page says the others were not.
GIF_PICTURES = (
    "the GIF holds {pictures} pictures and only the first was read (a GIF's pictures are an "
    "animation, not pages); send a document of several pages as PDF or TIFF"
)
UNEVEN_RESOLUTION = (
    "scanned at {x:.0f} × {y:.0f} dpi (a fax's standard resolution): the {axis} were stretched "
    "to square pixels, but their {low:.0f} dpi is below the legal minimum of {minimum} dpi for "
    "an e-copy of a paper (Decree 30/2020); rescan if this copy must be official"
)

# -- the page as photographed or scanned (perspective, page)
OUTLINE_NOT_FOUND = (
    "this page looks like a photo, but its outline could not be found (the page may run off the "
    "picture or be covered); its perspective was not corrected: retake the photo with the whole "
    "page on a darker surface, or scan it"
)
NEGATIVE_PAGE = (
    "the page was a negative (light print on a dark page), so it was made positive to be read "
    "and archived; the file as received is kept unchanged"
)
# A file's stated resolution that makes its page smaller than any paper, where the print says a
# sheet at a lower one (an A4 scan shrunk by a chat app or e-mail keeps its 300-dpi tag).
STATED_DPI_DOUBTED = (
    "the file states {stated:.0f} dpi, which would make the page {width_mm:.0f} × "
    "{height_mm:.0f} mm, but its print and shape are those of {sheet} at {dpi:.0f} dpi: it was "
    "archived as {sheet} (the file may have been shrunk after scanning); the file as received "
    "is kept unchanged"
)
BELOW_MINIMUM = (
    "effective resolution {dpi:.0f} dpi is below the legal minimum of {minimum} dpi for an "
    "e-copy of a paper (Decree 30/2020); rescan if this copy must be official"
)

# -- the reading (page)
WAY_UP_UNKNOWN = (
    "could not tell which way up the page is (kept at {rotation}°); check that the page is upright"
)
SKEW_UNKNOWN = "could not measure the page's skew with confidence; it was not straightened"
LOW_CONFIDENCE = (
    "text read with low confidence ({confidence:.0%}); check it against the paper or rescan"
)
# A page with marks that look like print but no word read: a page too small or too faint to
# read, or a blank one with a stamp or a hole punched. Either way a person should look.
NOTHING_READ = (
    "no text could be read on the page, though it carries marks that may be print; "
    "check it against the paper or rescan it"
)
# A page with nothing on it: the blank back of a sheet, or a paper put into a scanner that reads
# one side the wrong way round (its print was never scanned). A desk should know either way.
BLANK_PAGE = (
    "nothing printed or written was found on the page (it is blank, or all one colour): a blank "
    "back may be left out; if the paper has print, its other side was scanned, so scan it again "
    "the other way round"
)
# An image too small to hold one line of print at any resolution (a thumbnail, a 1-pixel file).
TOO_SMALL = (
    "the image is only {width} × {height} pixels, too small to hold a paper that can be read; "
    "scan the paper again"
)
# A blank back of a sheet whose front shows through the paper: what it carries is the other
# side's print, mirrored. Read as it comes it is junk; it is left without text and said so.
SHOW_THROUGH = (
    "the page carries only the print of the sheet's other side, showing through the paper "
    "(mirrored), so no text of its own was read; it may be a blank back to leave out"
)
SHOW_THROUGH_OWN_PRINT = (
    "the print of the sheet's other side shows through this page (mirrored) and was left "
    "out; only the page's own darker print was read: check it against the paper"
)

# A page's annotations (form values, a visible signature, stamps) are drawn into it; where the
# PDF's annotations are too damaged to draw, the page is drawn without them and says so.
ANNOTATIONS_NOT_DRAWN = (
    "the page's annotations (filled form fields, a visible signature, stamps) are damaged and "
    "were left out of the archived page; check the PDF against what a viewer shows"
)

# A PDF page drawn with more operations than its analysis can afford (a map, a CAD drawing, or
# a file made to stall the archive: 300,000 strokes took 27 s to analyse in pure Python, where
# PDFium draws them in 1 s) is drawn by PDFium and read by OCR as a scan is; its text layer, if
# it has one, is not used (`triage.MAX_ANALYSED_OPERATIONS`).
DRAWN_ONLY = (
    "the page is drawn with more than {operations} operations, too many to analyse: it was "
    "read by OCR from its image, and any text the PDF carries for it was not used"
)

# A PDF page whose analysis runs out of time (`triage.PAGE_ANALYSIS_SECONDS`: fonts, text or
# drawing too costly to list in pure Python, whatever their count) is drawn and read the same.
ANALYSIS_TOO_SLOW = (
    "the page took longer than {seconds} seconds to analyse (its fonts, text or drawing are "
    "too costly): it was read by OCR from its image, and any text the PDF carries for it was "
    "not used"
)

# The same, for the pages left once a file's analysis has taken its whole time
# (`triage.FILE_ANALYSIS_SECONDS`, and as much a page), however quick each page was.
FILE_ANALYSIS_TOO_SLOW = (
    "the file's pages took longer than {seconds} seconds to analyse together, so this page "
    "was not analysed: it was read by OCR from its image, and any text the PDF carries for it "
    "was not used"
)

# Words of a born-digital page's text that the page does not show (drawn in a layer that is
# off, under a box drawn over them, in the paper's colour) are left out of its text, and the
# page says how many: the original keeps them.
HIDDEN_TEXT = (
    "{words} word(s) of the PDF's text are not shown on the page (under a box drawn over them, "
    "in a hidden layer, or in the paper's colour) and were left out of its text and search; "
    "the original file keeps them"
)

# Pictures pasted on a typed page are read by OCR, the largest first, up to a number a page.
PICTURES_LEFT = (
    "the page carries {pictures} pictures; only the {read} largest were read for text, so "
    "text in the others cannot be searched for: split the page if they hold papers"
)

PICTURE_NOT_READ = (
    "a picture on the page could not be read for text (the OCR failed or took too long), so "
    "text in it cannot be searched for; check it against the paper"
)

# Files attached to a PDF (or a portfolio's documents) are not its pages and are not read; the
# page they come with names them (`attachments`), so none is taken for digitized.
ATTACHMENTS_NOT_READ = (
    "the PDF carries {count} attached file(s) that were not digitized, only its pages: "
    "{names}; if they belong to the dossier, save them from the original and send them as "
    "files of their own"
)

TEMPLATES = (
    DAMAGED_IMAGE,
    CUT_SHORT,
    SAME_FILE_TWICE,
    ATTACHMENTS_NOT_READ,
    ANNOTATIONS_NOT_DRAWN,
    DRAWN_ONLY,
    ANALYSIS_TOO_SLOW,
    FILE_ANALYSIS_TOO_SLOW,
    GIF_PICTURES,
    UNEVEN_RESOLUTION,
    STATED_DPI_DOUBTED,
    OUTLINE_NOT_FOUND,
    NEGATIVE_PAGE,
    BELOW_MINIMUM,
    WAY_UP_UNKNOWN,
    SKEW_UNKNOWN,
    LOW_CONFIDENCE,
    NOTHING_READ,
    BLANK_PAGE,
    TOO_SMALL,
    PICTURES_LEFT,
    PICTURE_NOT_READ,
    HIDDEN_TEXT,
    SHOW_THROUGH,
    SHOW_THROUGH_OWN_PRINT,
)
