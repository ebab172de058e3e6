"""The status page in the browser (http.listen)."""
