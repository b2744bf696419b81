package io.granary.gateway.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.boot.GranaryServer;
import io.granary.boot.TestGateways;
import io.granary.cli.Main;
import io.granary.engine.EngineMetrics;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryClientException;
import io.granary.sdk.proto.FileStatus;
import io.granary.sdk.proto.FileType;
import io.granary.testing.ChildJvm;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code granary fuse mount} as its own process against a real gateway on loopback, driven by
 * ordinary programs (sh, cat, cp, ls, ln, readlink, stat, chmod, chown) and checked through the SDK.
 */
class RemoteFuseTest {
  static final String KEY = "AKIAREMOTEFUSE";
  static final String SECRET = "remote-fuse-secret";
  static final long MOUNT_WAIT_MS = 60_000;

  @TempDir static Path dir;
  static GranaryServer server;
  static GranaryClient client;
  static Path mnt;
  static Mounted mounted;

  /**
   * A running {@code granary fuse mount} child. Its stdout goes to a file: a pipe read by a thread
   * loses what the child wrote last when the JDK's process reaper closes the stream at its exit.
   */
  record Mounted(Process process, Path mountPoint, Path out, Path log) {
    /** Waits for a stdout line starting with {@code prefix}; fails at the deadline or if the process ends first. */
    String await(String prefix, long timeoutMs) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      while (true) {
        boolean ended = !process.isAlive();
        List<String> lines = Files.readAllLines(out);
        for (String line : lines) {
          if (line.startsWith(prefix)) {
            return line;
          }
        }
        if (ended) {
          throw new AssertionError("granary fuse mount exited " + process.exitValue() + " before printing '" + prefix
              + "'; stdout: " + lines + "; stderr:\n" + Files.readString(log));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no '" + prefix + "' line within " + timeoutMs + " ms; stdout: " + lines
              + "; stderr:\n" + Files.readString(log));
        }
        try {
          process.onExit().get(100, TimeUnit.MILLISECONDS); // wakes at once if it ends
        } catch (TimeoutException e) {
          // still running: look again
        }
      }
    }

    /** Makes sure nothing stays mounted or running, whatever happened. */
    void forceCleanup() throws Exception {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      if (isMounted(mountPoint)) {
        run(List.of("fusermount", "-uz", mountPoint.toString()));
      }
    }
  }

  @BeforeAll
  static void start() throws Exception {
    server = TestGateways.start(TestGateways.config(dir, "256MiB", "1MiB", KEY, SECRET));
    client = new GranaryClient("127.0.0.1", server.grpcPort(), KEY, SECRET, new GranaryClient.Options(0, 1000, true, 60_000));
    mnt = dir.resolve("mnt");
    // two -o, as a user may give them; MUST_CACHE shows that write_type reaches the gateway
    mounted = mount(mnt, "-o", "threads=8", "-o", "write_type=MUST_CACHE");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (mounted != null) {
        mounted.process().destroy(); // SIGTERM
        assertTrue(mounted.process().waitFor(30, TimeUnit.SECONDS), "granary fuse mount did not stop on SIGTERM");
        assertEquals(0, mounted.process().exitValue(), "exit code; stderr:\n" + Files.readString(mounted.log()));
        assertFalse(isMounted(mnt), "unmounted on SIGTERM");
        mounted.await("fuse unmounted from " + mnt, 5_000);
      }
    } finally {
      if (mounted != null) {
        mounted.forceCleanup();
      }
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.close();
      }
    }
  }

  static Mounted mount(Path mountPoint, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("fuse", "mount", mountPoint.toString(),
        "--gateway", "127.0.0.1:" + server.grpcPort()));
    args.addAll(List.of(options));
    Path log = dir.resolve("fuse-" + mountPoint.getFileName() + ".log");
    Path out = dir.resolve("fuse-" + mountPoint.getFileName() + ".out");
    ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(Main.class, args.toArray(String[]::new)))
        .redirectOutput(out.toFile()).redirectError(log.toFile());
    pb.environment().putAll(Map.of("GRANARY_ACCESS_KEY", KEY, "GRANARY_SECRET_KEY", SECRET));
    pb.environment().remove("GRANARY_GATEWAY");
    Mounted m = new Mounted(pb.start(), mountPoint, out, log);
    try {
      assertEquals("fuse mounted at " + mountPoint, m.await("fuse mounted at", MOUNT_WAIT_MS));
      assertTrue(isMounted(mountPoint), "the kernel lists the mount");
    } catch (Throwable t) {
      m.forceCleanup();
      throw t;
    }
    return m;
  }

  // ---- helpers -----------------------------------------------------------------------------

  record Result(int code, String out) {}

  /** Runs a program to its end (30 s at most); its stdout and stderr together. */
  static Result run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static Result sh(String script) throws Exception {
    return run(List.of("sh", "-c", script));
  }

  /** Runs a shell command that must succeed; its output. */
  static String ok(String script) throws Exception {
    Result r = sh(script);
    assertEquals(0, r.code(), "'" + script + "' failed: " + r.out());
    return r.out();
  }

  static String q(Path p) {
    return "'" + p.toString().replace("'", "'\\''") + "'";
  }

  static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }

  static boolean isMounted(Path mp) throws IOException {
    String target = mp.toAbsolutePath().normalize().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(l -> l.split(" "))
        .anyMatch(f -> f.length > 4 && f[4].replace("\\040", " ").equals(target));
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static void write(String path, byte[] data, String writeType) throws Exception {
    try (OutputStream out = client.create(path, writeType, true, data.length)) {
      out.write(data);
    }
  }

  static byte[] readViaSdk(String path) throws Exception {
    try (InputStream in = client.openInputStream(path)) {
      return in.readAllBytes();
    }
  }

  static GrpcStatus statusOf(String path) {
    return assertThrows(GranaryClientException.class, () -> client.stat(path)).status();
  }

  // ---- tests -------------------------------------------------------------------------------

  @Test
  void filesWrittenThroughTheGatewayAreReadableThroughTheMount() throws Exception {
    client.mkdir("/sdk/sub", true);
    write("/sdk/hello.txt", "hello, fuse\n".getBytes(StandardCharsets.UTF_8), null);
    byte[] big = bytes(5 * 1024 * 1024 + 123, 1);
    write("/sdk/sub/big.bin", big, null);

    assertEquals("hello, fuse\n", ok("cat " + q(mnt.resolve("sdk/hello.txt"))));
    assertEquals("hello.txt\nsub\n", ok("ls " + q(mnt.resolve("sdk"))));
    assertEquals("12 regular file", ok("stat -c '%s %F' " + q(mnt.resolve("sdk/hello.txt"))).trim());
    assertEquals("directory", ok("stat -c '%F' " + q(mnt.resolve("sdk/sub"))).trim());
    Path copy = dir.resolve("big.copy");
    ok("cat " + q(mnt.resolve("sdk/sub/big.bin")) + " > " + q(copy));
    assertArrayEquals(big, Files.readAllBytes(copy));
    // a range in the middle, across a block boundary (1 MiB blocks)
    String tail = ok("dd if=" + q(mnt.resolve("sdk/sub/big.bin")) + " bs=1 skip=" + (2 * 1024 * 1024 - 3)
        + " count=6 status=none | od -An -tu1");
    StringBuilder want = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      want.append(' ').append(big[2 * 1024 * 1024 - 3 + i] & 0xff);
    }
    assertEquals(want.toString().trim().replaceAll("\\s+", " "), tail.trim().replaceAll("\\s+", " "));

    Result missing = sh("cat " + q(mnt.resolve("sdk/nope.txt")));
    assertNotEquals(0, missing.code());
    assertTrue(missing.out().contains("No such file or directory"), missing.out());
  }

  @Test
  void filesWrittenThroughTheMountReachTheGatewayWhole() throws Exception {
    ok("mkdir " + q(mnt.resolve("w")));
    Path local = dir.resolve("local.bin");
    byte[] data = bytes(3 * 1024 * 1024 + 11, 2);
    Files.write(local, data);
    ok("cp " + q(local) + " " + q(mnt.resolve("w/copy.bin")));
    assertArrayEquals(data, readViaSdk("/w/copy.bin"));
    FileStatus s = client.stat("/w/copy.bin");
    assertEquals(data.length, s.getLength());
    assertFalse(s.getPersisted(), "write_type=MUST_CACHE from -o reached the gateway");
    assertEquals(0, s.getUid(), "owned by the writer (root)");

    ok("echo first > " + q(mnt.resolve("w/log.txt")));
    ok("echo second >> " + q(mnt.resolve("w/log.txt")));
    assertEquals("first\nsecond\n", new String(readViaSdk("/w/log.txt"), StandardCharsets.UTF_8));
    assertEquals("first\nsecond\n", ok("cat " + q(mnt.resolve("w/log.txt"))));

    ok("printf 'new content' > " + q(mnt.resolve("w/copy.bin"))); // truncates and replaces
    assertEquals("new content", new String(readViaSdk("/w/copy.bin"), StandardCharsets.UTF_8));
    assertEquals("11", ok("stat -c %s " + q(mnt.resolve("w/copy.bin"))).trim());
  }

  @Test
  void namespaceChangesThroughTheMountAreTheGatewaysToo() throws Exception {
    ok("mkdir -m 0750 " + q(mnt.resolve("ns")) + " && mkdir " + q(mnt.resolve("ns/d")));
    FileStatus d = client.stat("/ns");
    assertEquals(FileType.DIRECTORY, d.getType());
    assertEquals(0750, d.getMode() & 07777);

    ok("echo x > " + q(mnt.resolve("ns/a.txt")));
    ok("chmod 0640 " + q(mnt.resolve("ns/a.txt")));
    assertEquals(0640, client.stat("/ns/a.txt").getMode() & 07777);
    assertEquals("640", ok("stat -c %a " + q(mnt.resolve("ns/a.txt"))).trim());
    ok("chown 1234:5678 " + q(mnt.resolve("ns/a.txt")));
    FileStatus owned = client.stat("/ns/a.txt");
    assertEquals(1234, owned.getUid());
    assertEquals(5678, owned.getGid());
    assertEquals("1234:5678", ok("stat -c %u:%g " + q(mnt.resolve("ns/a.txt"))).trim());
    // both times: the bridge does not set libfuse's utime_omit_ok yet, so libfuse 2 drops an mtime-only change
    ok("touch -d @1500000000 " + q(mnt.resolve("ns/a.txt")));
    assertEquals(1_500_000_000_000L, client.stat("/ns/a.txt").getMtimeMs());

    ok("mv " + q(mnt.resolve("ns/a.txt")) + " " + q(mnt.resolve("ns/d/b.txt")));
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns/a.txt"));
    assertEquals("x\n", new String(readViaSdk("/ns/d/b.txt"), StandardCharsets.UTF_8));

    ok("ln -s d/b.txt " + q(mnt.resolve("ns/link")));
    FileStatus link = client.stat("/ns/link");
    assertEquals(FileType.SYMLINK, link.getType());
    assertEquals("d/b.txt", link.getSymlinkTarget());
    assertEquals("d/b.txt", ok("readlink " + q(mnt.resolve("ns/link"))).trim());
    assertEquals("x\n", ok("cat " + q(mnt.resolve("ns/link"))), "the kernel follows the link");

    Result notEmpty = sh("rmdir " + q(mnt.resolve("ns/d")));
    assertNotEquals(0, notEmpty.code());
    assertTrue(notEmpty.out().contains("Directory not empty"), notEmpty.out());
    Result exists = sh("mkdir " + q(mnt.resolve("ns/d")));
    assertTrue(exists.out().contains("File exists"), exists.out());

    ok("rm " + q(mnt.resolve("ns/d/b.txt")) + " " + q(mnt.resolve("ns/link")));
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns/d/b.txt"));
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns/link"));
    ok("rmdir " + q(mnt.resolve("ns/d")));
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns/d"));
  }

  @Test
  void cachedBlocksAreReadByShortCircuitAndOthersThroughTheGateway() throws Exception {
    byte[] cached = bytes(5 * 1024 * 1024 + 17, 3);
    write("/sc/cached.bin", cached, "CACHE_THROUGH");
    assertTrue(client.blocks("/sc/cached.bin").stream().allMatch(b -> !b.getLocalPath().isEmpty()), "all blocks cached here");
    EngineMetrics m = server.engine().metrics();
    long hits = m.blockHits();
    long misses = m.blockMisses();
    long fromCache = m.bytesFromCache();
    Path out = dir.resolve("sc.out");
    ok("cat " + q(mnt.resolve("sc/cached.bin")) + " > " + q(out));
    assertArrayEquals(cached, Files.readAllBytes(out));
    assertEquals(hits, m.blockHits(), "short circuit: the gateway served no block");
    assertEquals(misses, m.blockMisses());
    assertEquals(fromCache, m.bytesFromCache(), "short circuit: the gateway read no cached byte");

    // not cached (THROUGH writes only to the under-storage): the gateway serves it
    byte[] cold = bytes(2 * 1024 * 1024 + 5, 4);
    write("/sc/cold.bin", cold, "THROUGH");
    assertTrue(client.blocks("/sc/cold.bin").stream().allMatch(b -> b.getLocalPath().isEmpty()), "nothing cached");
    long ufs = server.engine().ufsBytesRead();
    ok("cat " + q(mnt.resolve("sc/cold.bin")) + " > " + q(out));
    assertArrayEquals(cold, Files.readAllBytes(out));
    assertTrue(m.blockMisses() > misses, "cold blocks were fetched by the gateway");
    assertTrue(server.engine().ufsBytesRead() >= ufs + cold.length, "from the under-storage");

    // bigger than prefetch_small: read as it comes, the gateway fetching blocks ahead of the reader
    byte[] coldBig = bytes(6 * 1024 * 1024 + 9, 5);
    write("/sc/cold-big.bin", coldBig, "THROUGH");
    ok("cat " + q(mnt.resolve("sc/cold-big.bin")) + " > " + q(out));
    assertArrayEquals(coldBig, Files.readAllBytes(out));
  }

  @Test
  void bigDirectoriesAreListedPageByPageAndStatfsShowsTheCache() throws Exception {
    client.mkdir("/big", false);
    TreeSet<String> names = new TreeSet<>();
    for (int i = 0; i < 2100; i++) { // more than two of the bridge's 1024-entry pages
      String name = String.format("e%05d", i);
      client.mkdir("/big/" + name, false);
      names.add(name);
    }
    String listed = ok("ls " + q(mnt.resolve("big")));
    assertEquals(new ArrayList<>(names), listed.lines().toList());

    String[] f = ok("stat -f -c '%b %S' " + q(mnt)).trim().split(" ");
    assertEquals(256L * 1024 * 1024, Long.parseLong(f[0]) * Long.parseLong(f[1]), "capacity of the MEM tier");
  }

  @Test
  void fuseUnmountEndsTheMountingProcess() throws Exception {
    Path mnt2 = dir.resolve("mnt2");
    Mounted second = mount(mnt2);
    try {
      client.mkdir("/um", true);
      assertEquals("", ok("ls " + q(mnt2.resolve("um"))));
      int code = new picocli.CommandLine(new Main()).execute("fuse", "unmount", mnt2.toString());
      assertEquals(0, code);
      assertTrue(second.process().waitFor(30, TimeUnit.SECONDS), "granary fuse mount exits once unmounted");
      assertEquals(0, second.process().exitValue());
      assertFalse(isMounted(mnt2));
    } finally {
      second.forceCleanup();
    }
  }
}
