package io.granary.s3.http;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A request body as a blocking InputStream for a worker thread, with backpressure: the request is
 * paused while more than {@link #HIGH_WATER} bytes wait and resumed below {@link #LOW_WATER}. A
 * connection that closes before the body ends fails the reader, so a half-sent upload is aborted.
 */
final class RequestBodyStream extends InputStream {
  static final int HIGH_WATER = 8 << 20;
  static final int LOW_WATER = 2 << 20;

  private final HttpServerRequest request;
  private final Context context;
  private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
  private long queued;
  private boolean ended;
  private boolean paused = true;
  private Throwable error;
  private Runnable done;
  private Buffer head;
  private int headPos;

  /** Must be created on the request's event loop; the request must be paused. */
  RequestBodyStream(HttpServerRequest request, Context context) {
    this.request = request;
    this.context = context;
    request.handler(this::onData);
    request.endHandler(v -> onEnd());
    request.exceptionHandler(this::onError);
    request.connection().closeHandler(v -> onError(new IOException("the client closed the connection before the body ended")));
  }

  /** Starts the flow of data (call after the handlers are in place). */
  void start() {
    context.runOnContext(v -> {
      synchronized (this) {
        paused = false;
      }
      request.resume();
    });
  }

  private synchronized void onData(Buffer b) {
    queue.add(b);
    queued += b.length();
    if (queued > HIGH_WATER && !paused) {
      paused = true;
      request.pause();
    }
    notifyAll();
  }

  /**
   * Starts the flow and runs {@code whenDone} on the event loop once the whole body is here (or
   * failed): for small bodies, whose reader then never waits for a chunk (one hand-off to the
   * worker instead of one per chunk). The caller bounds the size.
   */
  void startBuffered(Runnable whenDone) {
    synchronized (this) {
      done = whenDone;
    }
    start();
  }

  private void onEnd() {
    Runnable then;
    synchronized (this) {
      ended = true;
      notifyAll();
      then = takeDone();
    }
    if (then != null) {
      then.run();
    }
  }

  private void onError(Throwable t) {
    Runnable then;
    synchronized (this) {
      if (!ended && error == null) {
        error = t;
      }
      notifyAll();
      then = takeDone();
    }
    if (then != null) {
      then.run();
    }
  }

  private Runnable takeDone() {
    Runnable then = done;
    done = null;
    return then;
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
    if (len == 0) {
      return 0;
    }
    boolean resume = false;
    int n;
    synchronized (this) {
      while (head == null) {
        head = queue.poll();
        headPos = 0;
        if (head != null) {
          break;
        }
        if (error != null) {
          throw error instanceof IOException io ? io : new IOException(error.getMessage(), error);
        }
        if (ended) {
          return -1;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted reading the request body");
        }
      }
      n = Math.min(len, head.length() - headPos);
      head.getBytes(headPos, headPos + n, b, off);
      headPos += n;
      queued -= n;
      if (headPos == head.length()) {
        head = null;
      }
      if (paused && queued < LOW_WATER && !ended) {
        paused = false;
        resume = true;
      }
    }
    if (resume) {
      context.runOnContext(v -> request.resume());
    }
    return n;
  }

  /** Reads a whole small body, failing if it exceeds {@code max} bytes. */
  byte[] readAllBounded(int max) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = read(buf, 0, buf.length)) >= 0) {
      out.write(buf, 0, n);
      if (out.size() > max) {
        throw new io.granary.s3.S3Exception(io.granary.s3.S3ErrorCode.MALFORMED_XML, "request body larger than " + max + " bytes");
      }
    }
    return out.toByteArray();
  }
}
