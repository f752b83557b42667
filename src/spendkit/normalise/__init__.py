"""Raw tables -> the canonical ledger: columns recognised, amounts, dates and postcodes parsed."""
