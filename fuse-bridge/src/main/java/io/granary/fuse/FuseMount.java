package io.granary.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mounted {@link GranaryFuse}: checks and prepares the mount point, runs libfuse's loop on its own
 * thread, and unmounts on {@link #close}. A stale mount left by a killed process ("Transport
 * endpoint is not connected") is cleared first; a live mount or a directory that is not empty is
 * refused.
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);
  private static final long MOUNT_WAIT_MS = 15_000;

  private final GranaryFuse fuse;
  private final Path mountPoint;
  private final Path stagingDir;
  private final Thread loop;
  private final CompletableFuture<Integer> exited = new CompletableFuture<>();
  private volatile boolean closed;

  private FuseMount(GranaryFuse fuse, Path mountPoint, Path stagingDir) {
    this.fuse = fuse;
    this.mountPoint = mountPoint;
    this.stagingDir = stagingDir;
    this.loop = new Thread(this::runLoop, "granary-fuse-loop");
    this.loop.setDaemon(true);
  }

  /**
   * Mounts {@code backend} at {@code mountPoint} and returns once the kernel has the mount.
   *
   * @param stagingDir where files being written are staged (created; leftovers from a crash are removed)
   */
  public static FuseMount mount(FuseBackend backend, Path mountPoint, MountOptions options, Path stagingDir)
      throws IOException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    prepare(mp);
    Files.createDirectories(stagingDir);
    try (Stream<Path> old = Files.list(stagingDir)) {
      for (Path p : (Iterable<Path>) old::iterator) {
        Files.deleteIfExists(p);
      }
    }
    FuseMount m = new FuseMount(new GranaryFuse(backend, options, stagingDir), mp, stagingDir);
    m.start(options);
    return m;
  }

  public GranaryFuse fs() {
    return fuse;
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** Refuses a live mount or a non-empty directory; clears a stale mount; creates a missing directory. */
  static void prepare(Path mp) throws IOException {
    if (isMounted(mp)) {
      try {
        Files.readAttributes(mp, "basic:isDirectory");
        throw new IOException(mp + " is already a mount point: unmount it first (fusermount -u " + mp + ")");
      } catch (FileSystemException e) {
        if (!String.valueOf(e.getReason()).contains("not connected")) {
          throw new IOException("cannot use mount point " + mp + ": " + e.getMessage(), e);
        }
        LOG.warn("clearing a stale FUSE mount at {} (Transport endpoint is not connected)", mp);
        fusermount(mp, true);
        if (isMounted(mp)) {
          throw new IOException("could not clear the stale mount at " + mp);
        }
      }
    }
    if (!Files.exists(mp, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(mp);
    }
    if (!Files.isDirectory(mp)) {
      throw new IOException("mount point " + mp + " is not a directory");
    }
    try (Stream<Path> s = Files.list(mp)) {
      if (s.findAny().isPresent()) {
        throw new IOException("mount point " + mp + " is not empty: mount on an empty directory");
      }
    }
  }

  /** Whether the kernel lists a mount at exactly {@code mp}. */
  public static boolean isMounted(Path mp) throws IOException {
    return mountInfo(mp) != null;
  }

  /** The fields of mp's line in /proc/self/mountinfo, or null if nothing is mounted there. */
  private static String[] mountInfo(Path mp) throws IOException {
    String target = mp.toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(target)) {
        return f;
      }
    }
    return null;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private void start(MountOptions options) throws IOException {
    fuseArgs = options.fuseArgs();
    debug = options.debug();
    loop.start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MOUNT_WAIT_MS);
    while (!isMounted(mountPoint)) {
      if (exited.isDone()) {
        throw new IOException("libfuse could not mount " + mountPoint + " (exit " + exited.getNow(-1)
            + "; is /dev/fuse there and fusermount installed? apt-get install fuse libfuse2)");
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IOException("mounting " + mountPoint + " timed out after " + MOUNT_WAIT_MS + " ms");
      }
      try {
        exited.get(10, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // still starting
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while mounting " + mountPoint, e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException("libfuse could not mount " + mountPoint + ": " + e.getCause(), e.getCause());
      }
    }
    LOG.info("fuse mounted at {} with {}", mountPoint, String.join(" ", fuseArgs));
    if (options.readAheadKb() > 0) {
      setReadAhead(options.readAheadKb());
    }
  }

  /**
   * Raises the kernel's read-ahead for this mount's device (128 KiB by default for FUSE), so a
   * sequential reader keeps several 128 KiB read requests in flight. Needs root; without it the
   * kernel's default stays and a warning says so.
   *
   * <p>Only after the FUSE handshake: the mount shows up before libfuse has answered the kernel's
   * INIT, and the kernel caps the device's read-ahead at the INIT answer's maximum when it arrives,
   * which would undo a value written earlier. A stat of the mount point is held by the kernel until
   * INIT is answered (the root's attributes start expired, so the stat is a request).
   */
  private void setReadAhead(int kb) {
    try {
      Files.readAttributes(mountPoint, BasicFileAttributes.class);
      Path knob = Path.of("/sys/class/bdi", deviceOf(mountPoint), "read_ahead_kb");
      Files.writeString(knob, Integer.toString(kb));
      LOG.info("fuse read-ahead of {} set to {} KiB ({})", mountPoint, kb, knob);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not set the kernel read-ahead of {} to {} KiB, the kernel's default stays: {}", mountPoint, kb, e.toString());
    }
  }

  /** The device ({@code major:minor}) of the mount at exactly {@code mp}. */
  public static String deviceOf(Path mp) throws IOException {
    String[] f = mountInfo(mp);
    if (f == null) {
      throw new IOException("no mount at " + mp);
    }
    return f[2];
  }

  private String[] fuseArgs;
  private boolean debug;

  private void runLoop() {
    try {
      fuse.mount(mountPoint, true, debug, fuseArgs);
      exited.complete(0);
    } catch (Throwable t) {
      exited.completeExceptionally(t);
    }
  }

  /** Unmounts (lazily if the mount is busy) and waits for libfuse's loop to end. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (isMounted(mountPoint)) {
        if (!fusermount(mountPoint, false) && isMounted(mountPoint)) {
          LOG.warn("{} is busy: detaching it lazily", mountPoint);
          fusermount(mountPoint, true);
        }
      }
      exited.handle((r, t) -> null).get(10, TimeUnit.SECONDS);
      LOG.info("fuse unmounted from {}", mountPoint);
    } catch (Exception e) {
      LOG.warn("unmounting {}: {}", mountPoint, e.toString());
    }
  }

  /** Runs {@code fusermount -u [-z] mp}; true if it succeeded. */
  static boolean fusermount(Path mp, boolean lazy) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("fusermount", "-u"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add(mp.toString());
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      if (p.exitValue() != 0) {
        LOG.debug("{} failed: {}", String.join(" ", cmd), out);
        return false;
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + cmd, e);
    }
  }
}
