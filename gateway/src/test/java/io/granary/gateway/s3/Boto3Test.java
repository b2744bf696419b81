package io.granary.gateway.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 API driven by boto3 (Debian's python3-boto3) through {@code s3/boto3_suite.py} against a
 * real gateway on loopback.
 */
class Boto3Test {
  static final Path PYTHON = Path.of("/usr/bin/python3");

  /** Every check the suite runs without arguments, in order: a check the script skips fails the test. */
  static final List<String> CHECKS = List.of(
      "bucket_create_list_head", "put_get_metadata_content_type", "head_object", "ranged_get", "ranged_get_suffix",
      "conditional_get", "copy_object_replace_metadata", "list_objects_v2_paginator", "list_objects_v1_marker_delimiter",
      "delete_objects_quiet_and_verbose", "tagging_put_get", "multipart_upload_fileobj", "presigned_get",
      "presigned_get_tampered", "error_no_such_key", "error_no_such_bucket", "error_bucket_not_empty",
      "error_signature_does_not_match", "bucket_delete");

  @TempDir static Path dir;
  static S3TestGateway gw;
  static Path script;
  static Path work;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(Files.isExecutable(PYTHON), PYTHON + " is not installed");
    gw = new S3TestGateway(dir.resolve("gw"), "1MiB");
    work = Files.createDirectories(dir.resolve("work"));
    script = work.resolve("boto3_suite.py");
    try (InputStream in = Boto3Test.class.getResourceAsStream("/s3/boto3_suite.py")) {
      assertTrue(in != null, "s3/boto3_suite.py is on the test classpath");
      Files.copy(in, script);
    }
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  static ExternalProcess.Result suite(String bucketPrefix, String... checks) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "-u", script.toString()));
    cmd.addAll(List.of(checks));
    return ExternalProcess.run(work, Map.of(
        "S3_ENDPOINT", gw.endpoint.toString(),
        "S3_ACCESS_KEY", S3TestGateway.ACCESS_KEY,
        "S3_SECRET_KEY", S3TestGateway.SECRET_KEY,
        "S3_BUCKET_PREFIX", bucketPrefix,
        "AWS_CONFIG_FILE", "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE", "/dev/null",
        "PYTHONDONTWRITEBYTECODE", "1"), cmd);
  }

  static void assertPassed(ExternalProcess.Result r, List<String> checks) {
    assertEquals(0, r.exit(), () -> "boto3 suite failed: " + r);
    for (String c : checks) {
      assertTrue(r.out().lines().anyMatch(l -> l.equals("CHECK " + c + " ok")), () -> "check " + c + " did not pass: " + r);
    }
    assertTrue(r.out().contains("ALL " + checks.size() + " CHECKS PASSED"), () -> "summary line missing: " + r);
  }

  @Test
  void boto3SuitePasses() throws Exception {
    ExternalProcess.Result r = suite("boto");
    assertPassed(r, CHECKS);
    // the gateway really stored what boto3 uploaded in parts
    assertEquals(12L * 1024 * 1024, Files.size(gw.ufs().resolve("boto-main/big/multipart.bin")), r::toString);
  }

  /**
   * S3 has no directories. Deleting the only key "dir/sub/obj" must leave nothing under "dir/"; the
   * gateway keeps the emptied directory and lists it as a zero-byte object "dir/sub/", so the
   * bucket can never be deleted by deleting what it lists one level at a time.
   */
  @Test
  void deletingTheLastKeyUnderAPrefixLeavesNothingBehind() throws Exception {
    assertPassed(suite("boto-empty", "emptied_prefix_leaves_no_object"), List.of("emptied_prefix_leaves_no_object"));
  }

  /**
   * boto3 sends PUTs with "Expect: 100-continue". When such a PUT is refused before its body is read
   * (a wrong signature), the gateway answers with "Connection: close" and must then close the
   * connection, as it will not read the body.
   */
  @Test
  void putRefusedBeforeContinueClosesTheConnection() throws Exception {
    assertPassed(suite("boto-expect", "rejected_expect_continue_closes_connection"),
        List.of("rejected_expect_continue_closes_connection"));
  }
}
