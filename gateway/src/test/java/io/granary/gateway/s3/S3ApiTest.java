package io.granary.gateway.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.engine.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.*;

/** The S3 API driven by the real AWS SDK v2 against a real gateway on loopback. */
class S3ApiTest {
  @TempDir static Path dir;
  static S3TestGateway gw;
  static S3Client s3;

  @BeforeAll
  static void start() throws IOException {
    gw = new S3TestGateway(dir, "1MiB");
    s3 = gw.client();
  }

  @AfterAll
  static void stop() {
    s3.close();
    gw.close();
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String md5(byte[] b) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(b));
  }

  private static S3Exception s3Error(Runnable r) {
    return assertThrows(S3Exception.class, r::run);
  }

  @Test
  void bucketsCanBeCreatedListedAndDeleted() {
    s3.createBucket(b -> b.bucket("alpha"));
    s3.createBucket(b -> b.bucket("beta"));
    List<String> names = s3.listBuckets().buckets().stream().map(Bucket::name).toList();
    assertTrue(names.containsAll(List.of("alpha", "beta")), names.toString());
    assertEquals("BucketAlreadyOwnedByYou", s3Error(() -> s3.createBucket(b -> b.bucket("alpha"))).awsErrorDetails().errorCode());
    s3.headBucket(b -> b.bucket("alpha"));
    assertEquals(404, s3Error(() -> s3.headBucket(b -> b.bucket("missing"))).statusCode());
    s3.putObject(b -> b.bucket("beta").key("x"), RequestBody.fromString("x"));
    assertEquals("BucketNotEmpty", s3Error(() -> s3.deleteBucket(b -> b.bucket("beta"))).awsErrorDetails().errorCode());
    s3.deleteObject(b -> b.bucket("beta").key("x"));
    s3.deleteBucket(b -> b.bucket("beta"));
    assertEquals("NoSuchBucket", s3Error(() -> s3.listObjectsV2(b -> b.bucket("beta"))).awsErrorDetails().errorCode());
    assertEquals("", s3.getBucketLocation(b -> b.bucket("alpha")).locationConstraintAsString());
  }

  @Test
  void putGetHeadKeepMetadataAndEtag() throws Exception {
    s3.createBucket(b -> b.bucket("objects"));
    byte[] data = bytes(300_000, 1);
    PutObjectResponse put = s3.putObject(b -> b.bucket("objects").key("dir/sub/obj.bin")
        .contentType("image/jpeg").contentDisposition("attachment").cacheControl("max-age=60")
        .contentEncoding("identity").metadata(Map.of("owner", "ana", "Purpose", "train")), RequestBody.fromBytes(data));
    assertEquals("\"" + md5(data) + "\"", put.eTag());
    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(b -> b.bucket("objects").key("dir/sub/obj.bin"));
    assertArrayEquals(data, got.asByteArray());
    GetObjectResponse r = got.response();
    assertEquals("image/jpeg", r.contentType());
    assertEquals("attachment", r.contentDisposition());
    assertEquals("max-age=60", r.cacheControl());
    assertEquals(Map.of("owner", "ana", "purpose", "train"), r.metadata());
    assertEquals(put.eTag(), r.eTag());
    HeadObjectResponse h = s3.headObject(b -> b.bucket("objects").key("dir/sub/obj.bin"));
    assertEquals(300_000L, h.contentLength());
    assertEquals("NoSuchKey", s3Error(() -> s3.getObject(b -> b.bucket("objects").key("nope"))).awsErrorDetails().errorCode());
    assertEquals(404, s3Error(() -> s3.headObject(b -> b.bucket("objects").key("dir"))).statusCode());
    assertTrue(Files.exists(gw.ufs().resolve("objects/dir/sub/obj.bin")), "written through to the root under-storage");
    for (String wt : List.of("CACHE_THROUGH", "MUST_CACHE", "THROUGH")) {
      PutObjectResponse empty = s3.putObject(b -> b.bucket("objects").key("empty-" + wt)
          .overrideConfiguration(o -> o.putHeader("x-granary-write-type", wt)), RequestBody.empty());
      assertEquals("\"d41d8cd98f00b204e9800998ecf8427e\"", empty.eTag(), wt);
      assertEquals(0, s3.getObjectAsBytes(b -> b.bucket("objects").key("empty-" + wt)).asByteArray().length, wt);
    }
  }

  @Test
  void rangesAndConditionalsFollowS3() throws Exception {
    s3.createBucket(b -> b.bucket("ranges"));
    byte[] data = bytes(2_500_000, 2); // three 1 MiB blocks
    String etag = s3.putObject(b -> b.bucket("ranges").key("r.bin"), RequestBody.fromBytes(data)).eTag();
    ResponseBytes<GetObjectResponse> mid = s3.getObjectAsBytes(b -> b.bucket("ranges").key("r.bin").range("bytes=1048000-1049000"));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 1_048_000, 1_049_001), mid.asByteArray());
    assertEquals("bytes 1048000-1049000/2500000", mid.response().contentRange());
    assertArrayEquals(java.util.Arrays.copyOfRange(data, data.length - 100, data.length),
        s3.getObjectAsBytes(b -> b.bucket("ranges").key("r.bin").range("bytes=-100")).asByteArray());
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 2_000_000, data.length),
        s3.getObjectAsBytes(b -> b.bucket("ranges").key("r.bin").range("bytes=2000000-")).asByteArray());
    S3Exception e416 = s3Error(() -> s3.getObject(b -> b.bucket("ranges").key("r.bin").range("bytes=3000000-")));
    assertEquals(416, e416.statusCode());
    assertEquals("InvalidRange", e416.awsErrorDetails().errorCode());

    assertEquals(412, s3Error(() -> s3.getObject(b -> b.bucket("ranges").key("r.bin").ifMatch("\"nope\""))).statusCode());
    assertEquals(304, s3Error(() -> s3.getObject(b -> b.bucket("ranges").key("r.bin").ifNoneMatch(etag))).statusCode());
    assertEquals(304, s3Error(() -> s3.getObject(b -> b.bucket("ranges").key("r.bin")
        .ifModifiedSince(Instant.now().plusSeconds(3600)))).statusCode());
    assertEquals(412, s3Error(() -> s3.getObject(b -> b.bucket("ranges").key("r.bin")
        .ifUnmodifiedSince(Instant.now().minusSeconds(3600)))).statusCode());
    assertEquals(data.length, s3.getObjectAsBytes(b -> b.bucket("ranges").key("r.bin").ifMatch(etag)).asByteArray().length);
    GetObjectResponse overridden = s3.getObjectAsBytes(b -> b.bucket("ranges").key("r.bin")
        .responseContentType("text/plain").responseContentDisposition("inline")).response();
    assertEquals("text/plain", overridden.contentType());
    assertEquals("inline", overridden.contentDisposition());
  }

  @Test
  void listingsPageInKeyOrderWithPrefixesAndDelimiters() {
    s3.createBucket(b -> b.bucket("listing"));
    // a tree cannot hold both an object "a" and keys under "a/": such a PUT is refused (InvalidRequest)
    List<String> keys = List.of("a-1", "a.txt", "a/x", "a/y/z", "b.bin", "b/c", "c d", "é", "z/1", "z/2");
    for (String k : keys) {
      s3.putObject(b -> b.bucket("listing").key(k), RequestBody.fromString(k));
    }
    List<String> all = new ArrayList<>();
    String token = null;
    do {
      String t = token;
      ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket("listing").maxKeys(3).continuationToken(t));
      page.contents().forEach(o -> all.add(o.key()));
      token = page.nextContinuationToken();
      assertEquals(page.isTruncated(), token != null);
    } while (token != null);
    List<String> sorted = new ArrayList<>(keys);
    sorted.sort((x, y) -> java.util.Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
    assertEquals(sorted, all);

    ListObjectsV2Response delimited = s3.listObjectsV2(b -> b.bucket("listing").delimiter("/"));
    assertEquals(List.of("a-1", "a.txt", "b.bin", "c d", "é"), delimited.contents().stream().map(S3Object::key).toList());
    assertEquals(List.of("a/", "b/", "z/"), delimited.commonPrefixes().stream().map(CommonPrefix::prefix).toList());

    ListObjectsV2Response prefixed = s3.listObjectsV2(b -> b.bucket("listing").prefix("a/").delimiter("/"));
    assertEquals(List.of("a/x"), prefixed.contents().stream().map(S3Object::key).toList());
    assertEquals(List.of("a/y/"), prefixed.commonPrefixes().stream().map(CommonPrefix::prefix).toList());

    ListObjectsV2Response partial = s3.listObjectsV2(b -> b.bucket("listing").prefix("a"));
    assertEquals(List.of("a-1", "a.txt", "a/x", "a/y/z"), partial.contents().stream().map(S3Object::key).toList());
    assertEquals("InvalidRequest", s3Error(() -> s3.putObject(b -> b.bucket("listing").key("a/x/under-an-object"),
        RequestBody.fromString("x"))).awsErrorDetails().errorCode());

    ListObjectsResponse v1 = s3.listObjects(b -> b.bucket("listing").marker("b/").delimiter("/").maxKeys(2));
    assertEquals(List.of("c d"), v1.contents().stream().map(S3Object::key).toList());
    assertEquals(List.of("z/"), v1.commonPrefixes().stream().map(CommonPrefix::prefix).toList());
    assertTrue(v1.isTruncated());
    assertEquals("z/", v1.nextMarker());
    ListObjectsResponse v1next = s3.listObjects(b -> b.bucket("listing").marker("z/").delimiter("/").maxKeys(2));
    assertEquals(List.of("é"), v1next.contents().stream().map(S3Object::key).toList());
    assertFalse(v1next.isTruncated());
    ListObjectsV2Response after = s3.listObjectsV2(b -> b.bucket("listing").startAfter("a/y/z"));
    assertEquals("b.bin", after.contents().get(0).key());
    ListObjectsV2Response encoded = s3.listObjectsV2(b -> b.bucket("listing").prefix("c").encodingType(EncodingType.URL));
    assertEquals("c d", encoded.contents().get(0).key(), "the SDK decodes url-encoded keys");
  }

  @Test
  void copyObjectCopiesOrReplacesMetadata() {
    s3.createBucket(b -> b.bucket("copy-src"));
    s3.createBucket(b -> b.bucket("copy-dst"));
    s3.putObject(b -> b.bucket("copy-src").key("o").contentType("text/plain").metadata(Map.of("k", "v")),
        RequestBody.fromString("hello"));
    CopyObjectResponse c = s3.copyObject(b -> b.sourceBucket("copy-src").sourceKey("o").destinationBucket("copy-dst").destinationKey("o2"));
    assertNotNull(c.copyObjectResult().eTag());
    HeadObjectResponse h = s3.headObject(b -> b.bucket("copy-dst").key("o2"));
    assertEquals(Map.of("k", "v"), h.metadata());
    assertEquals("text/plain", h.contentType());
    s3.copyObject(b -> b.sourceBucket("copy-src").sourceKey("o").destinationBucket("copy-src").destinationKey("o")
        .metadataDirective(MetadataDirective.REPLACE).metadata(Map.of("new", "1")).contentType("application/json"));
    HeadObjectResponse replaced = s3.headObject(b -> b.bucket("copy-src").key("o"));
    assertEquals(Map.of("new", "1"), replaced.metadata());
    assertEquals("application/json", replaced.contentType());
    assertEquals("hello", s3.getObjectAsBytes(b -> b.bucket("copy-src").key("o")).asUtf8String());
    assertEquals("InvalidRequest", s3Error(() -> s3.copyObject(b -> b.sourceBucket("copy-src").sourceKey("o")
        .destinationBucket("copy-src").destinationKey("o"))).awsErrorDetails().errorCode());
    assertEquals(412, s3Error(() -> s3.copyObject(b -> b.sourceBucket("copy-src").sourceKey("o")
        .destinationBucket("copy-dst").destinationKey("o3").copySourceIfMatch("\"nope\""))).statusCode());
  }

  @Test
  void deleteObjectsReportsEachKey() {
    s3.createBucket(b -> b.bucket("batch"));
    for (int i = 0; i < 5; i++) {
      int n = i;
      s3.putObject(b -> b.bucket("batch").key("k" + n), RequestBody.fromString("v"));
    }
    DeleteObjectsResponse r = s3.deleteObjects(b -> b.bucket("batch").delete(d -> d.objects(
        ObjectIdentifier.builder().key("k0").build(), ObjectIdentifier.builder().key("k1").build(),
        ObjectIdentifier.builder().key("missing").build(), ObjectIdentifier.builder().key("bad/../key").build())));
    assertEquals(List.of("k0", "k1", "missing"), r.deleted().stream().map(DeletedObject::key).toList());
    assertEquals(1, r.errors().size());
    assertEquals(3, s3.listObjectsV2(b -> b.bucket("batch")).keyCount());
    DeleteObjectsResponse quiet = s3.deleteObjects(b -> b.bucket("batch").delete(d -> d.quiet(true).objects(
        ObjectIdentifier.builder().key("k2").build())));
    assertTrue(quiet.deleted().isEmpty());
  }

  @Test
  void taggingIsStoredAndCounted() {
    s3.createBucket(b -> b.bucket("tags"));
    s3.putObject(b -> b.bucket("tags").key("t").tagging("a=1&b=two"), RequestBody.fromString("x"));
    assertEquals(2, s3.getObjectTagging(b -> b.bucket("tags").key("t")).tagSet().size());
    s3.putObjectTagging(b -> b.bucket("tags").key("t").tagging(t -> t.tagSet(Tag.builder().key("x").value("y").build())));
    assertEquals(List.of("x"), s3.getObjectTagging(b -> b.bucket("tags").key("t")).tagSet().stream().map(Tag::key).toList());
    assertEquals(1, s3.getObject(b -> b.bucket("tags").key("t")).response().tagCount());
    s3.deleteObjectTagging(b -> b.bucket("tags").key("t"));
    assertTrue(s3.getObjectTagging(b -> b.bucket("tags").key("t")).tagSet().isEmpty());
    assertEquals("x", s3.getObjectAsBytes(b -> b.bucket("tags").key("t")).asUtf8String());
  }

  @Test
  void multipartUploadAssemblesPartsAndValidatesThem() throws Exception {
    s3.createBucket(b -> b.bucket("multi"));
    String id = s3.createMultipartUpload(b -> b.bucket("multi").key("big.bin").contentType("video/mp4")).uploadId();
    byte[] p1 = bytes(5 * 1024 * 1024 + 3, 10);
    byte[] p2 = bytes(6 * 1024 * 1024, 11);
    byte[] p3 = bytes(1234, 12);
    String e1 = s3.uploadPart(b -> b.bucket("multi").key("big.bin").uploadId(id).partNumber(1), RequestBody.fromBytes(p1)).eTag();
    String e2 = s3.uploadPart(b -> b.bucket("multi").key("big.bin").uploadId(id).partNumber(2), RequestBody.fromBytes(p2)).eTag();
    String e3 = s3.uploadPart(b -> b.bucket("multi").key("big.bin").uploadId(id).partNumber(3), RequestBody.fromBytes(p3)).eTag();
    assertEquals(3, s3.listParts(b -> b.bucket("multi").key("big.bin").uploadId(id)).parts().size());
    assertEquals(List.of(id), s3.listMultipartUploads(b -> b.bucket("multi")).uploads().stream().map(MultipartUpload::uploadId).toList());

    assertEquals("InvalidPartOrder", s3Error(() -> s3.completeMultipartUpload(b -> b.bucket("multi").key("big.bin").uploadId(id)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(2).eTag(e2).build(),
            CompletedPart.builder().partNumber(1).eTag(e1).build())))).awsErrorDetails().errorCode());
    assertEquals("InvalidPart", s3Error(() -> s3.completeMultipartUpload(b -> b.bucket("multi").key("big.bin").uploadId(id)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag("\"0000\"").build())))).awsErrorDetails().errorCode());
    assertEquals("EntityTooSmall", s3Error(() -> s3.completeMultipartUpload(b -> b.bucket("multi").key("big.bin").uploadId(id)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(3).eTag(e3).build(),
            CompletedPart.builder().partNumber(4).eTag(e3).build())))).awsErrorDetails().errorCode());

    CompleteMultipartUploadResponse done = s3.completeMultipartUpload(b -> b.bucket("multi").key("big.bin").uploadId(id)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(e1).build(),
            CompletedPart.builder().partNumber(2).eTag(e2).build(), CompletedPart.builder().partNumber(3).eTag(e3).build())));
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
    for (byte[] p : List.of(p1, p2, p3)) {
      md.update(java.security.MessageDigest.getInstance("MD5").digest(p));
    }
    assertEquals("\"" + HexFormat.of().formatHex(md.digest()) + "-3\"", done.eTag());
    byte[] whole = s3.getObjectAsBytes(b -> b.bucket("multi").key("big.bin")).asByteArray();
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    expected.write(p1);
    expected.write(p2);
    expected.write(p3);
    assertArrayEquals(expected.toByteArray(), whole);
    assertArrayEquals(java.util.Arrays.copyOfRange(expected.toByteArray(), 5 * 1024 * 1024, 5 * 1024 * 1024 + 10),
        s3.getObjectAsBytes(b -> b.bucket("multi").key("big.bin").range("bytes=5242880-5242889")).asByteArray());
    assertEquals("video/mp4", s3.headObject(b -> b.bucket("multi").key("big.bin")).contentType());
    assertEquals("NoSuchUpload", s3Error(() -> s3.listParts(b -> b.bucket("multi").key("big.bin").uploadId(id))).awsErrorDetails().errorCode());

    String aborted = s3.createMultipartUpload(b -> b.bucket("multi").key("gone.bin")).uploadId();
    s3.uploadPart(b -> b.bucket("multi").key("gone.bin").uploadId(aborted).partNumber(1), RequestBody.fromBytes(p3));
    s3.abortMultipartUpload(b -> b.bucket("multi").key("gone.bin").uploadId(aborted));
    assertTrue(s3.listMultipartUploads(b -> b.bucket("multi")).uploads().isEmpty());
    assertEquals(404, s3Error(() -> s3.headObject(b -> b.bucket("multi").key("gone.bin"))).statusCode());
  }

  @Test
  void uploadPartCopyTakesARangeOfAnObject() {
    s3.createBucket(b -> b.bucket("partcopy"));
    byte[] src = bytes(6 * 1024 * 1024, 20);
    s3.putObject(b -> b.bucket("partcopy").key("src"), RequestBody.fromBytes(src));
    String id = s3.createMultipartUpload(b -> b.bucket("partcopy").key("dst")).uploadId();
    String e1 = s3.uploadPartCopy(b -> b.sourceBucket("partcopy").sourceKey("src").destinationBucket("partcopy")
        .destinationKey("dst").uploadId(id).partNumber(1).copySourceRange("bytes=0-5242879")).copyPartResult().eTag();
    String e2 = s3.uploadPartCopy(b -> b.sourceBucket("partcopy").sourceKey("src").destinationBucket("partcopy")
        .destinationKey("dst").uploadId(id).partNumber(2).copySourceRange("bytes=5242880-6291455")).copyPartResult().eTag();
    s3.completeMultipartUpload(b -> b.bucket("partcopy").key("dst").uploadId(id).multipartUpload(m -> m.parts(
        CompletedPart.builder().partNumber(1).eTag(e1).build(), CompletedPart.builder().partNumber(2).eTag(e2).build())));
    assertArrayEquals(src, s3.getObjectAsBytes(b -> b.bucket("partcopy").key("dst")).asByteArray());
  }

  @Test
  void wrongCredentialsAreRejected() {
    s3.createBucket(b -> b.bucket("auth"));
    try (S3Client wrongSecret = gw.client(S3TestGateway.ACCESS_KEY, "wrong", RequestChecksumCalculation.WHEN_SUPPORTED);
         S3Client unknownKey = gw.client("AKIAUNKNOWN", S3TestGateway.SECRET_KEY, RequestChecksumCalculation.WHEN_SUPPORTED)) {
      S3Exception sig = s3Error(() -> wrongSecret.putObject(b -> b.bucket("auth").key("x"), RequestBody.fromString("x")));
      assertEquals(403, sig.statusCode());
      assertEquals("SignatureDoesNotMatch", sig.awsErrorDetails().errorCode());
      assertEquals("InvalidAccessKeyId", s3Error(() -> unknownKey.listBuckets()).awsErrorDetails().errorCode());
    }
    assertEquals(404, s3Error(() -> s3.headObject(b -> b.bucket("auth").key("x"))).statusCode(), "nothing was written");
  }

  @Test
  void perRequestWriteTypeHeaderIsHonoured() {
    s3.createBucket(b -> b.bucket("wtype"));
    s3.putObject(b -> b.bucket("wtype").key("cache-only").overrideConfiguration(o -> o.putHeader("x-granary-write-type", "MUST_CACHE")),
        RequestBody.fromString("only in the cache"));
    assertFalse(Files.exists(gw.ufs().resolve("wtype/cache-only")));
    assertEquals("only in the cache", s3.getObjectAsBytes(b -> b.bucket("wtype").key("cache-only")).asUtf8String());
    s3.putObject(b -> b.bucket("wtype").key("through").overrideConfiguration(o -> o.putHeader("x-granary-write-type", "CACHE_THROUGH")),
        RequestBody.fromString("in both"));
    assertTrue(Files.exists(gw.ufs().resolve("wtype/through")), "written through before the answer");
    s3.putObject(b -> b.bucket("wtype").key("later").overrideConfiguration(o -> o.putHeader("x-granary-write-type", "ASYNC_THROUGH")),
        RequestBody.fromString("persisted in the background"));
    assertEquals("persisted in the background", s3.getObjectAsBytes(b -> b.bucket("wtype").key("later")).asUtf8String());
    Await.until(() -> Files.exists(gw.ufs().resolve("wtype/later")), "the ASYNC_THROUGH object to reach the under-storage");
    assertEquals("InvalidArgument", s3Error(() -> s3.putObject(b -> b.bucket("wtype").key("bad")
        .overrideConfiguration(o -> o.putHeader("x-granary-write-type", "SOMETIMES")), RequestBody.fromString("x")))
        .awsErrorDetails().errorCode());
  }

  @Test
  void checksumsAreVerifiedStoredAndReturned() {
    s3.createBucket(b -> b.bucket("sums"));
    for (ChecksumAlgorithm alg : List.of(ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32_C, ChecksumAlgorithm.SHA1, ChecksumAlgorithm.SHA256)) {
      PutObjectResponse r = s3.putObject(b -> b.bucket("sums").key("o-" + alg).checksumAlgorithm(alg), RequestBody.fromBytes(bytes(70_000, 5)));
      String returned = switch (alg) {
        case CRC32 -> r.checksumCRC32();
        case CRC32_C -> r.checksumCRC32C();
        case SHA1 -> r.checksumSHA1();
        default -> r.checksumSHA256();
      };
      assertNotNull(returned, alg + " checksum returned");
      HeadObjectResponse h = s3.headObject(b -> b.bucket("sums").key("o-" + alg).checksumMode(ChecksumMode.ENABLED));
      assertNotNull(h.checksumCRC32() != null ? h.checksumCRC32() : h.checksumCRC32C() != null ? h.checksumCRC32C()
          : h.checksumSHA1() != null ? h.checksumSHA1() : h.checksumSHA256(), "stored " + alg);
    }
  }
}
