"""Official digital signatures on hoso's PDFs: PAdES signing (PKCS#12 files and PKCS#11 tokens),
verification reports for archivists, and renewal of long-term validity. Built on pyHanko.

`profiles` reads the signing configuration, `keys` opens signers (the only module that touches key
material), `appearance` draws the visible stamps, `result_qr` adds the QR code of an issued result,
`sign` signs, `verify` checks and reports, `renew` adds fresh validation data and a document
timestamp to archived B-LTA files.
"""
