"""The ``google.cloud.tasks.v2.CloudTasks`` gRPC service, without generated service code.

Each method is a plain unary handler registered through ``grpc.method_handlers_generic_handler``
with the request and response messages of google-cloud-tasks' own types (``tasks_v2.X.pb()``),
so the official client (``CloudTasksGrpcTransport`` over an insecure channel) talks to it
unchanged. IAM, BatchCreateTasks/BatchDeleteTasks and CMEK methods are not registered: gRPC
answers UNIMPLEMENTED.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.cloud import tasks_v2
from google.protobuf import empty_pb2  # type: ignore[import-untyped]

from .dispatcher import Dispatcher
from .errors import ApiError
from .state import PAUSED, RUNNING, EmulatorState

SERVICE_NAME = "google.cloud.tasks.v2.CloudTasks"

Handler = Callable[[Any], Any]


class CloudTasksService:
    def __init__(self, state: EmulatorState, dispatcher: Dispatcher) -> None:
        self.state = state
        self.dispatcher = dispatcher

    # --- queues ---------------------------------------------------------------------------------
    def list_queues(self, request: Any) -> Any:
        queues, token = self.state.list_queues(
            request.parent, request.filter, request.page_size, request.page_token
        )
        return tasks_v2.ListQueuesResponse.pb()(queues=queues, next_page_token=token)

    def get_queue(self, request: Any) -> Any:
        return self.state.get_queue(request.name)

    def create_queue(self, request: Any) -> Any:
        return self.state.create_queue(request.parent, request.queue)

    def update_queue(self, request: Any) -> Any:
        return self.state.update_queue(request.queue, list(request.update_mask.paths))

    def delete_queue(self, request: Any) -> Any:
        self.state.delete_queue(request.name)
        return empty_pb2.Empty()

    def purge_queue(self, request: Any) -> Any:
        return self.state.purge_queue(request.name)

    def pause_queue(self, request: Any) -> Any:
        return self.state.set_queue_state(request.name, PAUSED)

    def resume_queue(self, request: Any) -> Any:
        return self.state.set_queue_state(request.name, RUNNING)

    # --- tasks ----------------------------------------------------------------------------------
    def list_tasks(self, request: Any) -> Any:
        tasks, token = self.state.list_tasks(
            request.parent, request.response_view, request.page_size, request.page_token
        )
        return tasks_v2.ListTasksResponse.pb()(tasks=tasks, next_page_token=token)

    def get_task(self, request: Any) -> Any:
        return self.state.get_task(request.name, request.response_view)

    def create_task(self, request: Any) -> Any:
        return self.state.create_task(request.parent, request.task, request.response_view)

    def delete_task(self, request: Any) -> Any:
        self.state.delete_task(request.name)
        return empty_pb2.Empty()

    def run_task(self, request: Any) -> Any:
        return self.dispatcher.run_now(request.name, request.response_view)


def _unary(handler: Handler, request_type: Any) -> Any:
    def behaviour(request: Any, context: Any) -> Any:
        try:
            return handler(request)
        except ApiError as error:
            context.abort(getattr(grpc.StatusCode, error.code_name), error.message)

    return grpc.unary_unary_rpc_method_handler(
        behaviour,
        request_deserializer=request_type.pb().FromString,
        response_serializer=lambda message: message.SerializeToString(),
    )


def generic_handler(service: CloudTasksService) -> Any:
    methods: dict[str, tuple[Handler, Any]] = {
        "ListQueues": (service.list_queues, tasks_v2.ListQueuesRequest),
        "GetQueue": (service.get_queue, tasks_v2.GetQueueRequest),
        "CreateQueue": (service.create_queue, tasks_v2.CreateQueueRequest),
        "UpdateQueue": (service.update_queue, tasks_v2.UpdateQueueRequest),
        "DeleteQueue": (service.delete_queue, tasks_v2.DeleteQueueRequest),
        "PurgeQueue": (service.purge_queue, tasks_v2.PurgeQueueRequest),
        "PauseQueue": (service.pause_queue, tasks_v2.PauseQueueRequest),
        "ResumeQueue": (service.resume_queue, tasks_v2.ResumeQueueRequest),
        "ListTasks": (service.list_tasks, tasks_v2.ListTasksRequest),
        "GetTask": (service.get_task, tasks_v2.GetTaskRequest),
        "CreateTask": (service.create_task, tasks_v2.CreateTaskRequest),
        "DeleteTask": (service.delete_task, tasks_v2.DeleteTaskRequest),
        "RunTask": (service.run_task, tasks_v2.RunTaskRequest),
    }
    handlers = {name: _unary(handler, request) for name, (handler, request) in methods.items()}
    return grpc.method_handlers_generic_handler(SERVICE_NAME, handlers)
