"""The PolyAI API over HTTP (httpx): the one place polytui talks to the network."""
