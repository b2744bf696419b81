package io.granary.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.s3.xml.XmlWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every error code: a real AWS code, the status AWS uses, a message, and well-formed XML. */
class S3ErrorCodeTest {
  private static final Map<String, Integer> AWS_STATUS = Map.ofEntries(
      Map.entry("AccessDenied", 403), Map.entry("AccountProblem", 403), Map.entry("AuthorizationHeaderMalformed", 400),
      Map.entry("AuthorizationQueryParametersError", 400), Map.entry("BadDigest", 400),
      Map.entry("BucketAlreadyExists", 409), Map.entry("BucketAlreadyOwnedByYou", 409), Map.entry("BucketNotEmpty", 409),
      Map.entry("EntityTooLarge", 400), Map.entry("EntityTooSmall", 400), Map.entry("ExpiredToken", 400),
      Map.entry("IncompleteBody", 400), Map.entry("InternalError", 500), Map.entry("InvalidAccessKeyId", 403),
      Map.entry("InvalidArgument", 400), Map.entry("InvalidBucketName", 400), Map.entry("InvalidDigest", 400),
      Map.entry("InvalidEncryptionAlgorithmError", 400), Map.entry("InvalidPart", 400), Map.entry("InvalidPartOrder", 400),
      Map.entry("InvalidRange", 416), Map.entry("InvalidRequest", 400), Map.entry("InvalidStorageClass", 400),
      Map.entry("InvalidTag", 400), Map.entry("InvalidURI", 400), Map.entry("KeyTooLongError", 400),
      Map.entry("MalformedXML", 400), Map.entry("MetadataTooLarge", 400), Map.entry("MethodNotAllowed", 405),
      Map.entry("MissingContentLength", 411), Map.entry("MissingSecurityHeader", 400), Map.entry("NoSuchBucket", 404),
      Map.entry("NoSuchKey", 404), Map.entry("NoSuchTagSet", 404), Map.entry("NoSuchUpload", 404),
      Map.entry("NotImplemented", 501), Map.entry("NotModified", 304), Map.entry("PreconditionFailed", 412),
      Map.entry("RequestHeaderSectionTooLarge", 400), Map.entry("RequestTimeTooSkewed", 403), Map.entry("RequestTimeout", 400),
      Map.entry("ServiceUnavailable", 503), Map.entry("SignatureDoesNotMatch", 403), Map.entry("SlowDown", 503),
      Map.entry("XAmzContentSHA256Mismatch", 400), Map.entry("XAmzContentChecksumMismatch", 400),
      // not AWS: MinIO's equivalent for a full cache (XMinioStorageFull)
      Map.entry("InsufficientStorage", 507));

  @Test
  void everyCodeHasItsAwsStatusAndAMessage() {
    for (S3ErrorCode c : S3ErrorCode.values()) {
      assertTrue(AWS_STATUS.containsKey(c.code()), c + " has no known AWS code: " + c.code());
      assertEquals(AWS_STATUS.get(c.code()), c.status(), c.name());
      assertFalse(c.message().isBlank(), c.name());
    }
  }

  @Test
  void errorXmlEscapesWhatItQuotes() {
    String xml = XmlWriter.plain("Error").element("Code", "NoSuchKey").element("Message", "a <b> & \"c\"")
        .element("Resource", "/b/k\u0001").finish();
    assertTrue(xml.contains("<Message>a &lt;b&gt; &amp; &quot;c&quot;</Message>"), xml);
    assertTrue(xml.contains("/b/k&#x1;"), xml);
  }
}
