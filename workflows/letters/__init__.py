"""Letters the administration sends (59-ФЗ notices, answers, covering letters): printable DOCX
and the same letter as plain text for an e-mail's body."""
