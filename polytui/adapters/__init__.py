"""Adapters: the concrete homes of polytui's interfaces (``polytui.core.ports``).

``sqlite`` is the local store (calls, notes, search) and ``http`` the PolyAI API client. A new
backend (a team store on PostgreSQL, say) is a new package here implementing the same
protocols; the front ends reach adapters only through ``polytui.workspace``.
"""
