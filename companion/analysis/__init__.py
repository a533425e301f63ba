"""Pages: decoding, URLs and page identity (page_key), link positions, the site profile, the page
analysis. Reads the profile; knows nothing of the store."""
