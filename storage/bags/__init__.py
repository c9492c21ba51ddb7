"""BagIt bags for handing records to an archive and taking them back: `package` writes one,
`check` verifies one (and refuses an unsafe one before anything is read into the archive),
`receive` imports one, `mets` writes the METS/PREMIS file that ties a bag's objects together."""
