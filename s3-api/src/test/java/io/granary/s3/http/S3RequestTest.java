package io.granary.s3.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.handler.BucketHandlers;
import java.util.List;
import org.junit.jupiter.api.Test;

class S3RequestTest {
  @Test
  void bucketNamesFollowS3Rules() {
    for (String ok : List.of("abc", "my-bucket", "a.b.c", "x".repeat(63), "0day")) {
      assertDoesNotThrow(() -> BucketHandlers.checkBucketName(ok), ok);
    }
    for (String bad : List.of("ab", "x".repeat(64), "Upper", "under_score", "-lead", "trail-", "a..b", "192.168.1.1",
        "xn--punycode", "bucket-s3alias", "sthree-x", "with space", "a/b")) {
      S3Exception e = assertThrows(S3Exception.class, () -> BucketHandlers.checkBucketName(bad), bad);
      assertEquals(S3ErrorCode.INVALID_BUCKET_NAME, e.code(), bad);
    }
  }
}
