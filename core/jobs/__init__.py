"""Long staff work off the live path: imports, exports, recomputes and backups run as jobs in a worker process.

The web process only records a `Job` and puts its id on a Huey queue (`queue.py`); a consumer process
(`worker.py`, started by `python app.py` or run on its own) takes it and runs the area's handler in a
forked, idle-priority child with a time and memory limit (`supervisor.py`), which reports progress into its
folder. Pages poll `/jobs/<id>.json` (`views.py`); the command line shows a progress bar (`progress_bar.py`).

Areas register their handlers with `registry.job_handler(kind)`; core never imports an area.
"""
