package io.granary.gateway.fuse;

import io.granary.engine.ReadType;
import io.granary.engine.WriteType;
import io.granary.fuse.Errno;
import io.granary.fuse.FuseBackend;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryOutputStream;
import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import io.granary.sdk.proto.OpenFileResponse;
import io.granary.sdk.proto.TierReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The FUSE bridge on a gateway reached through the Java SDK ({@code granary fuse mount}). File
 * data goes the SDK's way: blocks the gateway has cached on this host are read straight from its
 * block files (short circuit), others over the gateway's ranged HTTP data path. Names, attributes
 * and writes go over gRPC; the SDK's metadata cache is dropped for every path this mount changes.
 */
public final class RemoteFuseBackend implements FuseBackend, AutoCloseable {
  private static final int BUFFER = 1 << 20;

  private final GranaryClient client;
  private final String readType;
  private final String writeType;
  private final ExecutorService readAhead;

  /**
   * @param client  the gateway's client (closed by the caller, after this)
   * @param options {@code read_type}, {@code write_type} (default: each mount's own)
   */
  public RemoteFuseBackend(GranaryClient client, Map<String, String> options) {
    this.client = client;
    // parsed here so a typo fails the mount, not every read
    this.readType = options.containsKey("read_type") ? ReadType.parse(options.get("read_type")).name() : null;
    this.writeType = options.containsKey("write_type") ? WriteType.parse(options.get("write_type")).name() : null;
    this.readAhead = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
      Thread t = new Thread(r, "granary-fuse-readahead");
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.DiscardPolicy());
  }

  static Attr attr(FileStatus s) {
    Kind kind = switch (s.getType()) {
      case DIRECTORY -> Kind.DIRECTORY;
      case SYMLINK -> Kind.SYMLINK;
      default -> Kind.FILE;
    };
    return new Attr(s.getId(), kind, s.getLength(), s.getMtimeMs(), s.getMode(), s.getUid(), s.getGid(),
        s.getSymlinkTarget());
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  @Override
  public Attr stat(String path) {
    return attr(client.stat(path));
  }

  /** One ListStatus call bounded by start_after and max_entries: a page never reads the rest of the directory. */
  @Override
  public List<Entry> list(String path, String startAfter, int limit) {
    List<FileStatus> page = client.list(path, startAfter, limit);
    List<Entry> out = new ArrayList<>(page.size());
    for (FileStatus s : page) {
      out.add(new Entry(name(s.getPath()), attr(s)));
    }
    return out;
  }

  /**
   * Opens a reader on the file's block list as it is now. A small file ({@code <= prefetchBytes})
   * is read whole at once unless every block of it is a local block file already (then reads are
   * copies from the page cache anyway). {@code readAheadBlocks} makes the gateway fetch the next
   * blocks it has not cached while a reader goes forward; cached blocks need none.
   */
  @Override
  public Reader open(String path, long prefetchBytes, int readAheadBlocks) throws IOException {
    OpenFileResponse f = client.open(path);
    if (f.getStatus().getType() != FileType.FILE) {
      throw new Errno.FsException(f.getStatus().getType() == FileType.DIRECTORY ? Errno.EISDIR : Errno.EINVAL,
          path + " is not a regular file");
    }
    boolean warm = readAheadBlocks > 0 && !ReadType.NO_CACHE.name().equals(readType);
    RemoteReader r = new RemoteReader(client, f, readType, warm ? readAhead : null, readAheadBlocks);
    long length = f.getStatus().getLength();
    if (length > 0 && length <= prefetchBytes && !allLocal(f)) {
      try {
        r.prefetchWhole();
      } catch (IOException | RuntimeException e) {
        r.close();
        throw e;
      }
    }
    return r;
  }

  private boolean allLocal(OpenFileResponse f) {
    if (!client.options().shortCircuit()) {
      return false;
    }
    for (BlockInfo b : f.getBlocksList()) {
      if (b.getLocalPath().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Streams the staged file to the gateway (the file appears whole when the call ends), then sets its owner and mode. */
  @Override
  public Attr commit(String path, Path staged, long length, Change owner) throws IOException {
    GranaryOutputStream out = client.create(path, writeType, true, length);
    boolean sent = false;
    try (InputStream in = Files.newInputStream(staged)) {
      byte[] buf = new byte[BUFFER];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException("staged file of " + path + " ended " + left + " bytes short of " + length);
        }
        out.write(buf, 0, n);
        left -= n;
      }
      sent = true;
    } finally {
      if (!sent) {
        out.abort(); // nothing appears
      }
    }
    out.close();
    return attr(client.setAttributes(path, owner.mode(), owner.uid(), owner.gid(), null));
  }

  @Override
  public Attr mkdir(String path, Change owner) {
    client.mkdir(path, false);
    return attr(client.setAttributes(path, owner.mode(), owner.uid(), owner.gid(), null));
  }

  @Override
  public void delete(String path, boolean directory) {
    client.delete(path, false);
  }

  @Override
  public void rename(String src, String dst) {
    client.rename(src, dst);
  }

  @Override
  public Attr change(String path, Change c) {
    return attr(client.setAttributes(path, c.mode(), c.uid(), c.gid(), c.mtimeMs()));
  }

  @Override
  public Attr symlink(String path, String target, Change owner) {
    return attr(client.symlink(path, target, owner.uid() != null ? owner.uid() : 0,
        owner.gid() != null ? owner.gid() : 0));
  }

  /** The gateway's cache tiers, from its cache report. */
  @Override
  public Capacity capacity() {
    long total = 0;
    long used = 0;
    for (TierReport t : client.report().getTiersList()) {
      total += t.getCapacity();
      used += t.getUsed();
    }
    return new Capacity(total, used);
  }

  @Override
  public int errnoOf(Throwable failure) {
    return FuseErrors.errnoOf(failure);
  }

  @Override
  public void close() {
    readAhead.shutdownNow();
  }
}
