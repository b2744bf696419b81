package io.granary.sdk;

import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.WriteRequest;
import io.vertx.grpc.client.GrpcClientRequest;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Bytes of a WriteFile call, sent in 1 MiB messages. The file appears whole when the stream is
 * closed; {@link #abort()} cancels the call instead and nothing appears.
 */
public final class GranaryOutputStream extends OutputStream {
  private static final int CHUNK = 1 << 20;

  private final GranaryClient client;
  private final GrpcClientRequest<WriteRequest, FileStatus> request;
  private final String path;
  private final byte[] buf = new byte[CHUNK];
  private int fill;
  private FileStatus result;
  private boolean closed;

  GranaryOutputStream(GranaryClient client, GrpcClientRequest<WriteRequest, FileStatus> request, String path) {
    this.client = client;
    this.request = request;
    this.path = path;
  }

  @Override
  public void write(int b) throws IOException {
    if (fill == buf.length) {
      flushChunk();
    }
    buf[fill++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (fill == buf.length) {
        flushChunk();
      }
      int n = Math.min(len, buf.length - fill);
      System.arraycopy(b, off, buf, fill, n);
      fill += n;
      off += n;
      len -= n;
    }
  }

  private void flushChunk() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (fill > 0) {
      client.sendChunk(request, buf, 0, fill);
      fill = 0;
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    flushChunk();
    closed = true;
    try {
      result = client.finishWrite(request);
    } catch (GranaryClientException e) {
      throw new IOException(e.getMessage(), e);
    } finally {
      client.changed(path); // a stat during the upload may have cached the old file
    }
  }

  /** The written file's status, after {@link #close()}. */
  public FileStatus result() {
    return result;
  }

  /** Cancels the write: the gateway discards what it received and no file appears. */
  public void abort() {
    if (!closed) {
      closed = true;
      request.cancel();
    }
  }
}
