"""The yardstick for cold starts: a bare functions-framework function doing one Firestore read."""

import functions_framework
from google.cloud import firestore

_client = None


@functions_framework.http
def baseline(request):
    global _client
    if _client is None:
        _client = firestore.Client()
    _client.collection("health").document("ping").get()
    return {"status": "ok"}
