"""OCR engines behind one interface (`engine.OcrEngine`)."""
