"""genlab's FastAPI server: thin routes over the models package."""
