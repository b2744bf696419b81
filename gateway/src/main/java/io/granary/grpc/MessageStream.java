package io.granary.grpc;

import io.granary.sdk.proto.WriteRequest;
import io.vertx.grpc.server.GrpcServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A client-streaming WriteFile call as a blocking InputStream for a worker: the first message is
 * the header, the data messages after it are the bytes. The call is paused while more than
 * {@link #HIGH_WATER} bytes wait, so a fast client cannot fill the heap; a cancelled call fails
 * the reader and the write is aborted.
 */
final class MessageStream extends InputStream {
  private static final int HIGH_WATER = 8 << 20;

  private final GrpcServerRequest<WriteRequest, ?> request;
  private final ArrayDeque<WriteRequest> queue = new ArrayDeque<>();
  private long queued;
  private boolean paused;
  private boolean ended;
  private Throwable error;
  private byte[] head;
  private int headPos;

  MessageStream(GrpcServerRequest<WriteRequest, ?> request) {
    this.request = request;
    request.handler(this::onMessage);
    request.endHandler(v -> onEnd());
    request.exceptionHandler(this::onError);
  }

  private synchronized void onMessage(WriteRequest m) {
    queue.add(m);
    queued += m.getData().size();
    if (queued > HIGH_WATER && !paused) {
      paused = true;
      request.pause();
    }
    notifyAll();
  }

  private synchronized void onEnd() {
    ended = true;
    notifyAll();
  }

  private synchronized void onError(Throwable t) {
    error = t;
    notifyAll();
  }

  private WriteRequest take() throws IOException {
    boolean resume = false;
    WriteRequest m;
    synchronized (this) {
      while ((m = queue.poll()) == null) {
        if (error != null) {
          throw new IOException("the write was cancelled: " + error.getMessage(), error);
        }
        if (ended) {
          return null;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException();
        }
      }
      queued -= m.getData().size();
      if (paused && queued < HIGH_WATER / 4) {
        paused = false;
        resume = true;
      }
    }
    if (resume) {
      request.resume();
    }
    return m;
  }

  /** The header message (the first one). */
  WriteRequest header() throws IOException {
    WriteRequest m = take();
    if (m == null) {
      throw new io.granary.error.InvalidArgumentException("WriteFile ended before its header");
    }
    return m;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = read(one, 0, 1);
    } while (n == 0);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (head == null || headPos == head.length) {
      WriteRequest m = take();
      if (m == null) {
        return -1;
      }
      if (m.hasHeader()) {
        throw new io.granary.error.InvalidArgumentException("a second WriteFile header");
      }
      head = m.getData().toByteArray();
      headPos = 0;
    }
    int n = Math.min(len, head.length - headPos);
    System.arraycopy(head, headPos, b, off, n);
    headPos += n;
    return n;
  }
}
