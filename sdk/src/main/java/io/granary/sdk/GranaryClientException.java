package io.granary.sdk;

import io.vertx.grpc.common.GrpcStatus;

/** A call failed: the gateway's status and its message (which names the path). */
public final class GranaryClientException extends RuntimeException {
  private final GrpcStatus status;

  public GranaryClientException(GrpcStatus status, String message) {
    super(status.name() + ": " + message);
    this.status = status;
  }

  public GranaryClientException(GrpcStatus status, String message, Throwable cause) {
    super(status.name() + ": " + message, cause);
    this.status = status;
  }

  public GrpcStatus status() {
    return status;
  }
}
