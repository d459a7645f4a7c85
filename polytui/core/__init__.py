"""polytui's domain: what a call is and every rule about it, with no I/O of its own.

Nothing here imports Textual, httpx or sqlite3, nor any other part of polytui (import-linter
checks both): the app, the command line, the exports and the storage adapters all build on it.
``ports`` names the interfaces the adapters implement; ``facts`` holds the rules about a call.
"""
