package io.granary.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.boot.GranaryServer;
import io.granary.boot.TestGateways;
import io.granary.config.GranaryConfig;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryClientException;
import io.granary.sdk.proto.FileStatus;
import io.vertx.grpc.common.GrpcStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code granary fs ...} run through picocli in-process against a real gateway on loopback. */
class FsCommandTest {
  static final String KEY = "AKIAFSCLITEST";
  static final String SECRET = "fs-cli-secret";

  @TempDir static Path dir;
  static GranaryServer server;
  static GranaryClient client;

  @BeforeAll
  static void start() throws Exception {
    server = TestGateways.start(TestGateways.config(dir, "256MiB", "1MiB", KEY, SECRET));
    client = new GranaryClient("127.0.0.1", server.grpcPort(), KEY, SECRET,
        new GranaryClient.Options(0, 1000, true, 60_000));
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  record Result(int code, String out, String err, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  static Map<String, String> env() {
    return Map.of("GRANARY_GATEWAY", "127.0.0.1:" + server.grpcPort(), "GRANARY_ACCESS_KEY", KEY,
        "GRANARY_SECRET_KEY", SECRET);
  }

  static Result run(Map<String, String> env, boolean terminal, String... args) {
    CommandLine cl = new CommandLine(new Main());
    Writer out = new StringWriter();
    Writer err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    FsCommand fs = (FsCommand) cl.getSubcommands().get("fs").getCommand();
    fs.env = env;
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    fs.stdout = data;
    fs.terminal = terminal;
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString(), data.toByteArray());
  }

  /** {@code granary fs ARGS} with the test gateway and key in the environment. */
  static Result fs(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "fs";
    System.arraycopy(args, 0, all, 1, args.length);
    return run(env(), false, all);
  }

  static Result ok(String... args) {
    Result r = fs(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " failed: " + r.err());
    return r;
  }

  /** Fails with a non-zero exit code and exactly one line on stderr, starting with the given text. */
  static Result fails(String expectedStart, String... args) {
    Result r = fs(args);
    assertNotEquals(0, r.code(), () -> String.join(" ", args) + " should fail: " + r.out());
    assertOneLineReason(r, expectedStart);
    return r;
  }

  static void assertOneLineReason(Result r, String expectedStart) {
    assertTrue(r.err().startsWith(expectedStart), r.err());
    assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r.err());
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static GrpcStatus statusOf(String path) {
    return assertThrows(GranaryClientException.class, () -> client.stat(path)).status();
  }

  @Test
  void namespaceCommands() throws Exception {
    ok("mkdir", "-p", "/ns/a/b");
    fails("granary: ALREADY_EXISTS: ", "mkdir", "/ns/a");
    ok("mkdir", "-p", "/ns/a");
    Path local = Files.writeString(dir.resolve("hello.txt"), "hello");
    ok("put", local.toString(), "/ns/a/b/f.txt");
    assertEquals(5, client.stat("/ns/a/b/f.txt").getLength());

    Result ls = ok("ls", "-b", "/ns/a/b");
    assertEquals(1, ls.out().lines().count(), ls.out());
    assertTrue(ls.out().matches("(?s)-rw\\S+ +5 +\\d+  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  f\\.txt\\n"), ls.out());
    Result tree = ok("ls", "-R", "/ns");
    assertEquals(3, tree.out().lines().count(), tree.out());
    assertTrue(tree.out().lines().anyMatch(l -> l.startsWith("d") && l.endsWith("  a/")), tree.out());
    assertTrue(tree.out().lines().anyMatch(l -> l.startsWith("d") && l.endsWith("  a/b/")), tree.out());
    assertTrue(tree.out().lines().anyMatch(l -> l.contains("5 B") && l.endsWith("  a/b/f.txt")), tree.out());
    assertTrue(ok("ls", "/ns/a/b/f.txt").out().endsWith("  /ns/a/b/f.txt\n"));

    Result stat = ok("stat", "/ns/a/b/f.txt");
    assertTrue(stat.out().contains("path: /ns/a/b/f.txt\n"), stat.out());
    assertTrue(stat.out().contains("type: file\n"), stat.out());
    assertTrue(stat.out().contains("size: 5 (5 B)\n"), stat.out());
    assertTrue(stat.out().contains("pinned: false\n"), stat.out());
    assertTrue(ok("stat", "/ns/a").out().contains("type: directory\n"));

    assertEquals("hello", ok("cat", "/ns/a/b/f.txt").text());
    fails("granary: /ns/a is a directory", "cat", "/ns/a");

    ok("mv", "/ns/a/b/f.txt", "/ns/a"); // into the directory
    assertEquals(5, client.stat("/ns/a/f.txt").getLength());
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns/a/b/f.txt"));
    ok("mv", "/ns/a/f.txt", "/ns/g.txt");
    assertEquals(5, client.stat("/ns/g.txt").getLength());

    ok("rm", "/ns/g.txt");
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns/g.txt"));
    fails("granary: /ns/a is a directory (use rm -r)", "rm", "/ns/a");
    ok("rm", "-r", "/ns");
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/ns"));
  }

  @Test
  void failuresExitNonZeroWithOneLineReason() {
    Result r = fails("granary: NOT_FOUND: no such file or directory: /nope", "stat", "/nope");
    assertEquals("granary: NOT_FOUND: no such file or directory: /nope\n", r.err());
    assertEquals("", r.out());
    fails("granary: NOT_FOUND: ", "ls", "/nope");
    fails("granary: NOT_FOUND: ", "cat", "/nope/x");
    fails("granary: NOT_FOUND: ", "rm", "-r", "/nope");
    fails("granary: NOT_FOUND: ", "load", "/nope");
    fails("granary: NOT_FOUND: ", "get", "/nope", dir.resolve("nope").toString());
    fails("granary: no such local file or directory: ", "put", dir.resolve("absent").toString(), "/x");
    fails("granary: bad duration '5x'", "ttl", "/", "5x");
    fails("granary: INVALID_ARGUMENT: ", "stat", "/a/../etc");
  }

  @Test
  void credentialsAndGatewayComeFromTheEnvironmentOrTheKeyFile() throws Exception {
    String gw = "127.0.0.1:" + server.grpcPort();
    Result wrong = run(Map.of("GRANARY_GATEWAY", gw, "GRANARY_ACCESS_KEY", KEY, "GRANARY_SECRET_KEY", "wrong"), false,
        "fs", "ls", "/");
    assertNotEquals(0, wrong.code());
    assertOneLineReason(wrong, "granary: UNAUTHENTICATED: ");
    Result unknown = run(Map.of("GRANARY_GATEWAY", gw, "GRANARY_ACCESS_KEY", "NOBODY", "GRANARY_SECRET_KEY", SECRET),
        false, "fs", "report");
    assertOneLineReason(unknown, "granary: UNAUTHENTICATED: ");

    Path dataDir = Files.createDirectories(dir.resolve("client-data"));
    Result noKey = run(Map.of(), false, "fs", "--gateway", gw, "--data-dir", dataDir.toString(), "ls", "/");
    assertNotEquals(0, noKey.code());
    assertOneLineReason(noKey, "granary: no credentials: set GRANARY_ACCESS_KEY and GRANARY_SECRET_KEY");
    Result halfKey = run(Map.of("GRANARY_ACCESS_KEY", KEY), false, "fs", "--gateway", gw, "ls", "/");
    assertOneLineReason(halfKey, "granary: GRANARY_ACCESS_KEY is set but GRANARY_SECRET_KEY is not");

    Properties p = new Properties();
    p.setProperty("accessKey", KEY);
    p.setProperty("secretKey", SECRET);
    try (var w = Files.newBufferedWriter(dataDir.resolve("credentials"))) {
      p.store(w, null);
    }
    // Options on fs, and the same options given after the subcommand (inherited).
    assertEquals(0, run(Map.of(), false, "fs", "--gateway", gw, "--data-dir", dataDir.toString(), "ls", "/").code());
    assertEquals(0, run(Map.of(), false, "fs", "ls", "--gateway", gw, "--data-dir", dataDir.toString(), "/").code());
    // --gateway wins over GRANARY_GATEWAY.
    Map<String, String> env = new HashMap<>(env());
    env.put("GRANARY_GATEWAY", "127.0.0.1:1");
    Result unreachable = run(env, false, "fs", "stat", "/");
    assertNotEquals(0, unreachable.code());
    assertOneLineReason(unreachable, "granary: UNAVAILABLE: ");
    assertTrue(unreachable.err().contains("127.0.0.1:1"), unreachable.err());
    assertEquals(0, run(env, false, "fs", "--gateway", gw, "stat", "/").code());
    assertOneLineReason(run(env(), false, "fs", "--gateway", "nohost", "stat", "/"), "granary: bad gateway address 'nohost'");
  }

  @Test
  void putAndGetFilesAndTrees() throws Exception {
    Path src = Files.createDirectories(dir.resolve("upload/set"));
    Files.createDirectories(src.resolve("sub/deeper"));
    Files.createDirectories(src.resolve("empty-dir"));
    Map<String, byte[]> content = Map.of(
        "big.bin", bytes(2 * 1024 * 1024 + 123, 1),
        "sub/a.txt", "alpha".getBytes(StandardCharsets.UTF_8),
        "sub/deeper/b.bin", bytes(70_000, 2),
        "zero.bin", new byte[0]);
    for (var e : content.entrySet()) {
      Files.write(src.resolve(e.getKey()), e.getValue());
    }

    fails("granary: " + src + " is a directory (use put -R)", "put", src.toString(), "/up");
    Result put = ok("put", "-R", src.toString(), "/up");
    assertTrue(put.err().startsWith("put 4 files (2.1 MiB) in "), put.err());
    assertFalse(put.err().contains("\r"), "no bar without a terminal");
    for (var e : content.entrySet()) {
      assertEquals(e.getValue().length, client.stat("/up/" + e.getKey()).getLength(), e.getKey());
    }
    assertEquals(io.granary.sdk.proto.FileType.DIRECTORY, client.stat("/up/empty-dir").getType());

    // Into an existing directory, under the local name; no overwrite without -f.
    ok("put", "-R", src.toString(), "/up");
    assertEquals(5, client.stat("/up/set/sub/a.txt").getLength());
    fails("granary: ALREADY_EXISTS: ", "put", src.resolve("sub/a.txt").toString(), "/up/sub/a.txt");
    Path other = Files.writeString(dir.resolve("other.txt"), "replaced!");
    ok("put", "-f", other.toString(), "/up/sub/a.txt");
    assertEquals(9, client.stat("/up/sub/a.txt").getLength());
    ok("put", other.toString(), "/up/sub"); // into the directory
    assertEquals(9, client.stat("/up/sub/other.txt").getLength());

    ok("put", "--write-type", "MUST_CACHE", src.resolve("sub/deeper/b.bin").toString(), "/up/mc.bin");
    assertEquals(70_000, client.stat("/up/mc.bin").getCachedBytes());
    fails("granary: INVALID_ARGUMENT: unknown write type", "put", "--write-type", "BOGUS", other.toString(), "/up/x");
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/up/x"));

    // get: one file, to a name or into a directory, and a tree.
    Path down = Files.createDirectories(dir.resolve("download"));
    Result get = ok("get", "/up/big.bin", down.resolve("copy.bin").toString());
    assertTrue(get.err().startsWith("got 1 file (2.0 MiB) in "), get.err());
    assertArrayEquals(content.get("big.bin"), Files.readAllBytes(down.resolve("copy.bin")));
    ok("get", "/up/sub/deeper/b.bin", down.toString());
    assertArrayEquals(content.get("sub/deeper/b.bin"), Files.readAllBytes(down.resolve("b.bin")));
    fails("granary: /up is a directory (use get -R)", "get", "/up", down.toString());

    ok("rm", "-r", "/up/set");
    Result tree = ok("get", "-R", "/up", down.resolve("tree").toString());
    assertTrue(tree.err().startsWith("got 6 files "), tree.err());
    assertArrayEquals(content.get("big.bin"), Files.readAllBytes(down.resolve("tree/big.bin")));
    assertArrayEquals(content.get("sub/deeper/b.bin"), Files.readAllBytes(down.resolve("tree/sub/deeper/b.bin")));
    assertArrayEquals(new byte[0], Files.readAllBytes(down.resolve("tree/zero.bin")));
    assertEquals("replaced!", Files.readString(down.resolve("tree/sub/a.txt")));
    assertTrue(Files.isDirectory(down.resolve("tree/empty-dir")));
    ok("get", "-R", "/up/sub", down.resolve("tree").toString()); // into the existing directory
    assertEquals("replaced!", Files.readString(down.resolve("tree/sub/a.txt")));
    try (var files = Files.list(down.resolve("tree/sub"))) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files left");
    }

    assertArrayEquals(content.get("big.bin"), ok("cat", "/up/big.bin").data(), "cat writes the exact bytes");
    ok("rm", "-r", "/up");
  }

  @Test
  void mountsLoadAndCacheControl() throws Exception {
    Path ds = Files.createDirectories(dir.resolve("dataset/train"));
    for (int i = 0; i < 12; i++) {
      Files.write(ds.resolve("img" + i + ".jpg"), bytes(150_000, 100 + i));
    }
    String uri = "file://" + dir.resolve("dataset");
    ok("mount", "/datasets", uri, "--read-type", "CACHE", "--sync-interval", "-1", "--option", "secret-key=hunter2");
    Result mounts = ok("mounts");
    assertTrue(mounts.out().startsWith("PATH"), mounts.out());
    String row = mounts.out().lines().filter(l -> l.startsWith("/datasets ")).findFirst().orElseThrow();
    assertTrue(row.contains(uri) && row.contains("read-type=CACHE") && row.contains("sync-interval=-1"), row);
    assertTrue(row.contains("secret-key=****") && !mounts.out().contains("hunter2"), row);

    Result load = ok("load", "-R", "/datasets", "--parallelism", "4");
    assertTrue(load.err().matches("(?s)loaded 12 files \\(1\\.7 MiB\\) in \\d+\\.\\d s, 0 skipped, 0 failed\\n"), load.err());
    assertEquals(150_000, client.stat("/datasets/train/img3.jpg").getCachedBytes());
    String line = ok("ls", "-b", "/datasets/train").out().lines().filter(l -> l.endsWith("img3.jpg")).findFirst().orElseThrow();
    assertTrue(line.matches("-\\S+ +150000 +150000  .*"), "ls shows the cached bytes: " + line);
    assertTrue(ok("stat", "/datasets/train/img3.jpg").out().contains("cached: 150000 (100.0%)\n"));
    Result again = run(env(), true, "fs", "load", "-R", "/datasets");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().startsWith("\r["), "a terminal gets a redrawn bar: " + again.err());
    assertTrue(again.err().matches("(?s).*\rloaded 12 files \\(1\\.7 MiB\\) in \\d+\\.\\d s, 12 skipped, 0 failed\n"),
        again.err());

    ok("pin", "/datasets/train/img0.jpg");
    assertTrue(client.stat("/datasets/train/img0.jpg").getPinned());
    ok("unpin", "/datasets/train/img0.jpg");
    assertFalse(client.stat("/datasets/train/img0.jpg").getPinned());
    Result free = ok("free", "/datasets/train/img1.jpg");
    assertEquals("freed 146.5 KiB (150000 bytes) from /datasets/train/img1.jpg\n", free.out());
    assertEquals(0, client.stat("/datasets/train/img1.jpg").getCachedBytes());

    ok("ttl", "/datasets/train/img2.jpg", "2h", "--action", "DELETE");
    assertTrue(client.stat("/datasets/train/img2.jpg").getAttributesMap().containsKey("granary.ttl"));
    assertTrue(ok("stat", "/datasets/train/img2.jpg").out().matches("(?s).*\nttl: expires .*, then DELETE\n.*"));
    ok("ttl", "/datasets/train/img2.jpg", "0");
    assertFalse(client.stat("/datasets/train/img2.jpg").getAttributesMap().containsKey("granary.ttl"));
    fails("granary: bad --action 'LATER'", "ttl", "/datasets/train/img2.jpg", "1d", "--action", "LATER");

    Result report = ok("report");
    assertTrue(report.out().startsWith("TIER"), report.out());
    assertTrue(report.out().lines().anyMatch(l -> l.startsWith("MEM ") && l.contains("256.0 MiB")), report.out());
    assertTrue(report.out().contains("\nhits: ") && report.out().contains("\nmisses: ")
        && report.out().contains("\nhit ratio: "), report.out());
    long ufs = Long.parseLong(report.out().replaceAll("(?s).*under-storage bytes read: (\\d+) .*", "$1"));
    assertTrue(ufs >= 12 * 150_000, report.out());

    // `sync` makes a change behind the gateway's back visible at once (the mount never re-checks)
    Files.write(ds.resolve("added.jpg"), bytes(10, 77));
    assertFalse(ok("ls", "/datasets/train").out().contains("added.jpg"));
    assertEquals("synced /datasets\n", ok("sync", "-R", "/datasets").out());
    assertTrue(ok("ls", "/datasets/train").out().contains("added.jpg"));
    Files.delete(ds.resolve("added.jpg"));
    ok("sync", "-R", "/datasets");

    // A file gone from the under-storage behind the gateway's back fails; the rest load.
    Files.delete(ds.resolve("img5.jpg"));
    ok("free", "/datasets");
    Result partial = fs("load", "-R", "/datasets");
    assertNotEquals(0, partial.code());
    assertTrue(partial.err().contains("granary: failed to load /datasets/train/img5.jpg: "), partial.err());
    assertTrue(partial.err().contains("loaded 11 files (1.6 MiB) in "), partial.err());
    assertTrue(partial.err().contains(", 0 skipped, 1 failed\n"), partial.err());
    assertTrue(partial.err().endsWith("granary: 1 of 12 files failed to load\n"), partial.err());
    assertEquals(150_000, client.stat("/datasets/train/img4.jpg").getCachedBytes());

    ok("unmount", "/datasets");
    assertFalse(ok("mounts").out().contains("/datasets"));
    assertEquals(GrpcStatus.NOT_FOUND, statusOf("/datasets"));
  }

  @Test
  void usageErrorsAndHelp() {
    Result help = fs("--help");
    assertEquals(0, help.code());
    for (String cmd : new String[] {"ls", "stat", "cat", "put", "get", "rm", "mkdir", "mv", "mount", "unmount", "mounts",
        "load", "free", "pin", "unpin", "ttl", "report", "sync"}) {
      assertTrue(help.out().contains("  " + cmd + " ") || help.out().contains("  " + cmd + ","), cmd + ": " + help.out());
    }
    assertNotEquals(0, fs("mv", "/only-one").code());
  }

  @Test
  void statusOfAFileWrittenByTheSdkIsShown() throws Exception {
    try (var out = client.create("/sdk.bin", "CACHE_THROUGH", true, 10)) {
      out.write(bytes(10, 9));
    }
    FileStatus s = client.stat("/sdk.bin");
    Result r = ok("stat", "/sdk.bin");
    assertTrue(r.out().contains("id: " + s.getId() + "\n"), r.out());
    assertTrue(r.out().contains("persisted: true\n"), r.out());
    ok("rm", "/sdk.bin");
  }
}
