package io.granary.gateway.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 API driven by the AWS CLI v2 ({@code /usr/bin/aws}) against a real gateway on loopback. */
class AwsCliTest {
  static final Path AWS = Path.of("/usr/bin/aws");
  static final int MiB = 1024 * 1024;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static S3TestGateway gw;
  static Path work;
  static Map<String, String> env;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Files.isExecutable(AWS), AWS + " is not installed");
    gw = new S3TestGateway(dir.resolve("gw"), "1MiB");
    work = Files.createDirectories(dir.resolve("work"));
    Path config = Files.writeString(work.resolve("aws-config"), "[default]\ns3 =\n  addressing_style = path\n");
    env = Map.of(
        "AWS_ACCESS_KEY_ID", S3TestGateway.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY", S3TestGateway.SECRET_KEY,
        "AWS_DEFAULT_REGION", "us-east-1",
        "AWS_CONFIG_FILE", config.toString(),
        "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
        "AWS_PAGER", "",
        "AWS_EC2_METADATA_DISABLED", "true",
        "AWS_MAX_ATTEMPTS", "1");
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  static ExternalProcess.Result aws(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(AWS.toString(), "--endpoint-url", gw.endpoint.toString()));
    cmd.addAll(List.of(args));
    return ExternalProcess.run(work, env, cmd);
  }

  static ExternalProcess.Result ok(String... args) throws Exception {
    ExternalProcess.Result r = aws(args);
    assertEquals(0, r.exit(), () -> "aws failed: " + r);
    return r;
  }

  static JsonNode json(String... args) throws Exception {
    ExternalProcess.Result r = ok(args);
    try {
      return JSON.readTree(r.out());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + r, e);
    }
  }

  /** key -> size of every object under prefix, from the (auto-paginated) s3api list-objects-v2. */
  static Map<String, Long> listing(String bucket, String prefix) throws Exception {
    JsonNode r = json("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, "--page-size", "7", "--output", "json");
    Map<String, Long> keys = new TreeMap<>();
    for (JsonNode o : r.path("Contents")) {
      assertEquals(null, keys.put(o.get("Key").asText(), o.get("Size").asLong()), "key listed twice: " + r);
    }
    return keys;
  }

  static List<String> lines(String s) {
    return s.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  static List<String> linesStartingWith(ExternalProcess.Result r, String start) {
    return lines(r.out()).stream().filter(l -> l.startsWith(start)).sorted().toList();
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] buf = new byte[MiB];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return hex(md.digest());
  }

  /** Writes a local tree: relative path -> content. */
  static void writeTree(Path root, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = root.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue());
    }
  }

  static Map<String, Long> sizes(String keyPrefix, Map<String, String> files) {
    Map<String, Long> m = new TreeMap<>();
    files.forEach((k, v) -> m.put(keyPrefix + k, (long) v.getBytes(StandardCharsets.UTF_8).length));
    return m;
  }

  // ---- tests --------------------------------------------------------------------------------

  @Test
  void cpCopiesSmallAndMultipartFilesBothWays() throws Exception {
    assertTrue(ok("s3", "mb", "s3://cli-cp").out().contains("make_bucket: cli-cp"));

    Path small = Files.writeString(work.resolve("small.txt"), "hello granary via the aws cli\n".repeat(10));
    assertTrue(ok("s3", "cp", small.toString(), "s3://cli-cp/small/hello.txt", "--no-progress").out()
        .contains("upload: "));
    Path smallBack = work.resolve("small.back");
    ok("s3", "cp", "s3://cli-cp/small/hello.txt", smallBack.toString(), "--no-progress");
    assertArrayEquals(Files.readAllBytes(small), Files.readAllBytes(smallBack));
    ExternalProcess.Result cat = ok("s3", "cp", "s3://cli-cp/small/hello.txt", "-");
    assertEquals(Files.readString(small), cat.out(), cat::toString);

    // 100 MiB: the cli uploads it in 8 MiB parts and downloads it with parallel ranged GETs
    Path big = work.resolve("big.bin");
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    MessageDigest partMd5s = MessageDigest.getInstance("MD5");
    int parts = 0;
    Random random = new Random(42);
    try (OutputStream out = Files.newOutputStream(big)) {
      byte[] part = new byte[8 * MiB];
      for (long left = 100L * MiB; left > 0; left -= part.length) {
        int n = (int) Math.min(part.length, left);
        byte[] chunk = n == part.length ? part : new byte[n];
        random.nextBytes(chunk);
        out.write(chunk);
        sha.update(chunk);
        partMd5s.update(MessageDigest.getInstance("MD5").digest(chunk));
        parts++;
      }
    }
    String bigSha = hex(sha.digest());
    String multipartEtag = "\"" + hex(partMd5s.digest()) + "-" + parts + "\"";
    ok("s3", "cp", big.toString(), "s3://cli-cp/big/data.bin", "--no-progress");
    JsonNode head = json("s3api", "head-object", "--bucket", "cli-cp", "--key", "big/data.bin");
    assertEquals(100L * MiB, head.get("ContentLength").asLong(), head::toString);
    assertEquals(multipartEtag, head.get("ETag").asText(), "uploaded in 13 parts of 8 MiB: " + head);
    assertEquals(100L * MiB, Files.size(gw.ufs().resolve("cli-cp/big/data.bin")));

    Path bigBack = work.resolve("big.back");
    ok("s3", "cp", "s3://cli-cp/big/data.bin", bigBack.toString(), "--no-progress");
    assertEquals(100L * MiB, Files.size(bigBack));
    assertEquals(bigSha, sha256(bigBack), "downloaded bytes equal the uploaded ones");
    Files.delete(big);
    Files.delete(bigBack);
  }

  @Test
  void lsListsBucketsAndPrefixes() throws Exception {
    ok("s3", "mb", "s3://cli-ls");
    Path local = work.resolve("ls-tree");
    Map<String, String> files = Map.of("top.txt", "top", "logs/2024/a.log", "aaaa", "logs/2024/b.log", "bb",
        "logs/2025/c.log", "c", "logs/readme", "read me");
    writeTree(local, files);
    ExternalProcess.Result up = ok("s3", "cp", "--recursive", local.toString(), "s3://cli-ls/", "--no-progress");
    assertEquals(5, linesStartingWith(up, "upload: ").size(), up::toString);

    ExternalProcess.Result buckets = ok("s3", "ls");
    assertTrue(lines(buckets.out()).stream().anyMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d cli-ls")),
        buckets::toString);

    ExternalProcess.Result root = ok("s3", "ls", "s3://cli-ls");
    List<String> rootLines = lines(root.out());
    assertEquals(2, rootLines.size(), root::toString);
    assertEquals("PRE logs/", rootLines.get(0), root::toString);
    assertTrue(rootLines.get(1).matches("\\S+ \\S+\\s+3 top\\.txt"), root::toString);

    ExternalProcess.Result logs = ok("s3", "ls", "s3://cli-ls/logs/");
    List<String> logLines = lines(logs.out());
    assertEquals(List.of("PRE 2024/", "PRE 2025/"), logLines.subList(0, 2), logs::toString);
    assertTrue(logLines.get(2).matches("\\S+ \\S+\\s+7 readme"), logs::toString);
    assertEquals(3, logLines.size(), logs::toString);

    ExternalProcess.Result partial = ok("s3", "ls", "s3://cli-ls/logs/20");
    assertEquals(List.of("PRE 2024/", "PRE 2025/"), lines(partial.out()), partial::toString);

    ExternalProcess.Result y2024 = ok("s3", "ls", "s3://cli-ls/logs/2024/");
    List<String> y = lines(y2024.out());
    assertEquals(2, y.size(), y2024::toString);
    assertTrue(y.get(0).matches("\\S+ \\S+\\s+4 a\\.log") && y.get(1).matches("\\S+ \\S+\\s+2 b\\.log"), y2024::toString);

    ExternalProcess.Result all = ok("s3", "ls", "--recursive", "s3://cli-ls");
    assertEquals(List.of("logs/2024/a.log", "logs/2024/b.log", "logs/2025/c.log", "logs/readme", "top.txt"),
        lines(all.out()).stream().map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList(), all::toString);

    ExternalProcess.Result missing = aws("s3", "ls", "s3://cli-no-such-bucket");
    assertNotEquals(0, missing.exit(), missing::toString);
    assertTrue(missing.err().contains("NoSuchBucket"), missing::toString);
  }

  @Test
  void syncUploadsATreeAndMirrorsChangesWithDelete() throws Exception {
    ok("s3", "mb", "s3://cli-sync");
    Path local = work.resolve("sync-tree");
    Map<String, String> files = new TreeMap<>();
    for (int shard = 0; shard < 3; shard++) {
      for (int part = 0; part < 6; part++) {
        files.put("data/train/shard-" + shard + "/part-" + part + ".bin", ("s" + shard + "p" + part + ";").repeat(1 + part * 50));
      }
    }
    for (int i = 0; i < 5; i++) {
      files.put("data/val/v" + i + ".txt", "validation " + i);
    }
    files.put("docs/api/v1/index.html", "<html>v1</html>");
    files.put("docs/api/v1/style.css", "body{}");
    files.put("docs/api/v2/index.html", "<html>v2</html>");
    files.put("docs/read me.txt", "a key with a space");
    files.put("docs/caf\u00e9.txt", "a key with a non-ASCII character");
    files.put("docs/plus+sign.txt", "a key with a plus");
    files.put("README", "top level");
    assertEquals(30, files.size());
    writeTree(local, files);

    ExternalProcess.Result first = ok("s3", "sync", local.toString(), "s3://cli-sync/tree", "--no-progress");
    assertEquals(30, linesStartingWith(first, "upload: ").size(), first::toString);
    assertEquals(sizes("tree/", files), listing("cli-sync", "tree/"));

    ExternalProcess.Result again = ok("s3", "sync", local.toString(), "s3://cli-sync/tree", "--no-progress");
    assertEquals(List.of(), lines(again.out()), "nothing changed, nothing to copy: " + again);

    // modify two files (new sizes), delete three (their directories keep other files), add two
    files.put("data/train/shard-1/part-2.bin", "rewritten");
    files.put("docs/read me.txt", "a key with a space, edited");
    for (String gone : List.of("data/train/shard-0/part-5.bin", "data/val/v3.txt", "docs/caf\u00e9.txt")) {
      files.remove(gone);
      Files.delete(local.resolve(gone));
    }
    Map<String, String> added = Map.of("data/val/v9.txt", "added", "new/deeper/dir/file.txt", "in a new tree");
    files.putAll(added);
    writeTree(local, Map.of("data/train/shard-1/part-2.bin", files.get("data/train/shard-1/part-2.bin"),
        "docs/read me.txt", files.get("docs/read me.txt")));
    writeTree(local, added);

    ExternalProcess.Result mirror = ok("s3", "sync", local.toString(), "s3://cli-sync/tree", "--delete", "--no-progress");
    assertEquals(List.of("delete: s3://cli-sync/tree/data/train/shard-0/part-5.bin", "delete: s3://cli-sync/tree/data/val/v3.txt",
        "delete: s3://cli-sync/tree/docs/caf\u00e9.txt"), linesStartingWith(mirror, "delete: "), mirror::toString);
    assertEquals(4, linesStartingWith(mirror, "upload: ").size(), mirror::toString);
    assertEquals(sizes("tree/", files), listing("cli-sync", "tree/"));
    ExternalProcess.Result edited = ok("s3", "cp", "s3://cli-sync/tree/docs/read me.txt", "-");
    assertEquals("a key with a space, edited", edited.out(), edited::toString);

    // and back down: the downloaded tree equals the local one
    Path down = work.resolve("sync-down");
    ExternalProcess.Result back = ok("s3", "sync", "s3://cli-sync/tree", down.toString(), "--no-progress");
    assertEquals(files.size(), linesStartingWith(back, "download: ").size(), back::toString);
    for (Map.Entry<String, String> f : files.entrySet()) {
      assertEquals(f.getValue(), Files.readString(down.resolve(f.getKey())), f.getKey());
    }
    try (Stream<Path> s = Files.walk(down)) {
      assertEquals(files.size(), s.filter(Files::isRegularFile).count(), "no extra files downloaded");
    }
  }

  @Test
  void rmRecursiveAndRbOnAFlatBucket() throws Exception {
    ok("s3", "mb", "s3://cli-rm-flat");
    Path local = work.resolve("rm-flat");
    Map<String, String> files = Map.of("a.txt", "a", "b.txt", "b", "c.txt", "c", "d d.txt", "d", "e.txt", "e");
    writeTree(local, files);
    ok("s3", "cp", "--recursive", local.toString(), "s3://cli-rm-flat", "--no-progress");
    assertEquals(sizes("", files), listing("cli-rm-flat", ""));
    ExternalProcess.Result rb = aws("s3", "rb", "s3://cli-rm-flat");
    assertNotEquals(0, rb.exit(), rb::toString);
    assertTrue(rb.err().contains("BucketNotEmpty"), rb::toString);

    ExternalProcess.Result rm = ok("s3", "rm", "--recursive", "s3://cli-rm-flat");
    assertEquals(5, linesStartingWith(rm, "delete: ").size(), rm::toString);
    assertEquals(Map.of(), listing("cli-rm-flat", ""));
    ok("s3", "rb", "s3://cli-rm-flat");
    ExternalProcess.Result buckets = ok("s3", "ls");
    assertFalse(buckets.out().contains("cli-rm-flat"), buckets::toString);
  }

  /**
   * `aws s3 rm --recursive` deletes every key it lists; afterwards the bucket must be empty and `aws
   * s3 rb` must succeed. Over nested keys the gateway leaves every emptied directory behind as a
   * zero-byte key "dir/", so the listing is not empty and rb fails with BucketNotEmpty.
   */
  @Test
  void rmRecursiveOfNestedKeysEmptiesTheBucket() throws Exception {
    ok("s3", "mb", "s3://cli-rm-nested");
    Path local = work.resolve("rm-nested");
    writeTree(local, Map.of("top.txt", "t", "a/one.txt", "1", "a/b/two.txt", "2", "a/b/c/three.txt", "3", "x/y/z.txt", "z"));
    ok("s3", "cp", "--recursive", local.toString(), "s3://cli-rm-nested", "--no-progress");
    ExternalProcess.Result rm = ok("s3", "rm", "--recursive", "s3://cli-rm-nested");
    assertEquals(5, linesStartingWith(rm, "delete: ").size(), rm::toString);
    assertEquals(Map.of(), listing("cli-rm-nested", ""), "keys left after `aws s3 rm --recursive`");
    ok("s3", "rb", "s3://cli-rm-nested");
  }

  /**
   * Deleting a whole local directory and running `sync --delete` deletes its keys; no key may be
   * left under the directory's prefix (the gateway lists the emptied directory as "gone/sub/").
   */
  @Test
  void syncDeleteOfAWholeDirectoryLeavesNoKeyBehind() throws Exception {
    ok("s3", "mb", "s3://cli-sync-dir");
    Path local = work.resolve("sync-dir");
    writeTree(local, Map.of("keep/a.txt", "a", "gone/sub/b.txt", "b", "gone/sub/c.txt", "c"));
    ok("s3", "sync", local.toString(), "s3://cli-sync-dir", "--no-progress");
    try (Stream<Path> s = Files.walk(local.resolve("gone"))) {
      s.sorted((p, q) -> q.getNameCount() - p.getNameCount()).forEach(p -> p.toFile().delete());
    }
    ExternalProcess.Result mirror = ok("s3", "sync", local.toString(), "s3://cli-sync-dir", "--delete", "--no-progress");
    assertEquals(2, linesStartingWith(mirror, "delete: ").size(), mirror::toString);
    assertEquals(Map.of("keep/a.txt", 1L), listing("cli-sync-dir", ""), "keys left after `aws s3 sync --delete`");
  }

  @Test
  void s3apiPutObjectWithMetadataHeadListAndTagging() throws Exception {
    ok("s3", "mb", "s3://cli-api");
    byte[] body = "{\"hello\": \"granary\"}\n".getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(work.resolve("body.json"), body);
    JsonNode put = json("s3api", "put-object", "--bucket", "cli-api", "--key", "meta/obj.json", "--body", file.toString(),
        "--content-type", "application/json", "--metadata", "owner=ana,purpose=train", "--tagging", "team=ml&tier=hot");
    String etag = "\"" + hex(MessageDigest.getInstance("MD5").digest(body)) + "\"";
    assertEquals(etag, put.path("ETag").asText(), put::toString);

    JsonNode head = json("s3api", "head-object", "--bucket", "cli-api", "--key", "meta/obj.json");
    assertEquals(body.length, head.path("ContentLength").asLong(), head::toString);
    assertEquals("application/json", head.path("ContentType").asText(), head::toString);
    assertEquals(etag, head.path("ETag").asText(), head::toString);
    assertEquals(Map.of("owner", "ana", "purpose", "train"), JSON.convertValue(head.path("Metadata"), Map.class), head::toString);
    assertTrue(head.hasNonNull("LastModified"), head::toString);

    for (String k : List.of("meta/a.txt", "meta/b.txt", "other/c.txt")) {
      json("s3api", "put-object", "--bucket", "cli-api", "--key", k, "--body", file.toString());
    }
    JsonNode page = json("s3api", "list-objects-v2", "--bucket", "cli-api", "--prefix", "meta/", "--max-keys", "2", "--no-paginate");
    assertEquals(List.of("meta/a.txt", "meta/b.txt"), page.path("Contents").findValuesAsText("Key"), page::toString);
    assertEquals(2, page.path("KeyCount").asInt(), page::toString);
    assertTrue(page.path("IsTruncated").asBoolean(), page::toString);
    JsonNode rest = json("s3api", "list-objects-v2", "--bucket", "cli-api", "--prefix", "meta/", "--no-paginate",
        "--continuation-token", page.path("NextContinuationToken").asText());
    assertEquals(List.of("meta/obj.json"), rest.path("Contents").findValuesAsText("Key"), rest::toString);
    assertFalse(rest.path("IsTruncated").asBoolean(), rest::toString);
    JsonNode delimited = json("s3api", "list-objects-v2", "--bucket", "cli-api", "--delimiter", "/", "--no-paginate");
    assertEquals(List.of("meta/", "other/"), delimited.path("CommonPrefixes").findValuesAsText("Prefix"), delimited::toString);
    JsonNode all = json("s3api", "list-objects-v2", "--bucket", "cli-api", "--page-size", "1");
    assertEquals(List.of("meta/a.txt", "meta/b.txt", "meta/obj.json", "other/c.txt"), all.path("Contents").findValuesAsText("Key"),
        all::toString);
    assertTrue(all.path("Contents").get(2).path("ETag").asText().equals(etag), all::toString);

    JsonNode tags = json("s3api", "get-object-tagging", "--bucket", "cli-api", "--key", "meta/obj.json");
    Map<String, String> tagMap = new TreeMap<>();
    tags.path("TagSet").forEach(t -> tagMap.put(t.path("Key").asText(), t.path("Value").asText()));
    assertEquals(Map.of("team", "ml", "tier", "hot"), tagMap, tags::toString);
    ok("s3api", "put-object-tagging", "--bucket", "cli-api", "--key", "meta/obj.json",
        "--tagging", "TagSet=[{Key=stage,Value=done}]");
    JsonNode replaced = json("s3api", "get-object-tagging", "--bucket", "cli-api", "--key", "meta/obj.json");
    assertEquals("[{\"Key\":\"stage\",\"Value\":\"done\"}]", replaced.path("TagSet").toString(), replaced::toString);

    Path part = work.resolve("range.out");
    JsonNode ranged = json("s3api", "get-object", "--bucket", "cli-api", "--key", "meta/obj.json", "--range", "bytes=2-6",
        part.toString());
    assertEquals("bytes 2-6/" + body.length, ranged.path("ContentRange").asText(), ranged::toString);
    assertArrayEquals(Arrays.copyOfRange(body, 2, 7), Files.readAllBytes(part));

    ExternalProcess.Result missing = aws("s3api", "head-object", "--bucket", "cli-api", "--key", "meta/none");
    assertEquals(254, missing.exit(), missing::toString);
    assertTrue(missing.err().contains("404"), missing::toString);
  }
}
