"""The curator's dashboard: a server-rendered page behind a token login."""
