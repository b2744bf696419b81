package io.granary.s3;

/**
 * The S3 error codes Granary returns, with their HTTP status and default message, spelled as AWS
 * spells them (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 */
public enum S3ErrorCode {
  ACCESS_DENIED("AccessDenied", 403, "Access Denied"),
  ACCOUNT_PROBLEM("AccountProblem", 403, "There is a problem with your account"),
  AUTHORIZATION_HEADER_MALFORMED("AuthorizationHeaderMalformed", 400, "The authorization header is malformed"),
  AUTHORIZATION_QUERY_PARAMETERS_ERROR("AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter"),
  BAD_DIGEST("BadDigest", 400, "The Content-MD5 or checksum you specified did not match what was received"),
  BUCKET_ALREADY_EXISTS("BucketAlreadyExists", 409, "The requested bucket name is not available"),
  BUCKET_ALREADY_OWNED_BY_YOU("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it"),
  BUCKET_NOT_EMPTY("BucketNotEmpty", 409, "The bucket you tried to delete is not empty"),
  ENTITY_TOO_LARGE("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size"),
  ENTITY_TOO_SMALL("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size"),
  EXPIRED_TOKEN("ExpiredToken", 400, "The provided token has expired"),
  INCOMPLETE_BODY("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header"),
  INTERNAL_ERROR("InternalError", 500, "We encountered an internal error. Please try again."),
  INVALID_ACCESS_KEY_ID("InvalidAccessKeyId", 403, "The AWS access key Id you provided does not exist in our records"),
  INVALID_ARGUMENT("InvalidArgument", 400, "Invalid Argument"),
  INVALID_BUCKET_NAME("InvalidBucketName", 400, "The specified bucket is not valid"),
  INVALID_DIGEST("InvalidDigest", 400, "The Content-MD5 you specified is not valid"),
  INVALID_ENCRYPTION_ALGORITHM("InvalidEncryptionAlgorithmError", 400, "The encryption request you specified is not valid"),
  INVALID_PART("InvalidPart", 400, "One or more of the specified parts could not be found, or the ETag did not match"),
  INVALID_PART_ORDER("InvalidPartOrder", 400, "The list of parts was not in ascending order"),
  INVALID_RANGE("InvalidRange", 416, "The requested range is not satisfiable"),
  INVALID_REQUEST("InvalidRequest", 400, "Invalid Request"),
  INVALID_STORAGE_CLASS("InvalidStorageClass", 400, "The storage class you specified is not valid"),
  INVALID_TAG("InvalidTag", 400, "The tag provided was not a valid tag"),
  INVALID_URI("InvalidURI", 400, "Couldn't parse the specified URI"),
  KEY_TOO_LONG("KeyTooLongError", 400, "Your key is too long"),
  MALFORMED_XML("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema"),
  METADATA_TOO_LARGE("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size"),
  METHOD_NOT_ALLOWED("MethodNotAllowed", 405, "The specified method is not allowed against this resource"),
  MISSING_CONTENT_LENGTH("MissingContentLength", 411, "You must provide the Content-Length HTTP header"),
  MISSING_SECURITY_HEADER("MissingSecurityHeader", 400, "Your request is missing a required header"),
  NO_SUCH_BUCKET("NoSuchBucket", 404, "The specified bucket does not exist"),
  NO_SUCH_KEY("NoSuchKey", 404, "The specified key does not exist."),
  NO_SUCH_TAG_SET("NoSuchTagSet", 404, "The TagSet does not exist"),
  NO_SUCH_UPLOAD("NoSuchUpload", 404, "The specified multipart upload does not exist"),
  NOT_IMPLEMENTED("NotImplemented", 501, "A header you provided implies functionality that is not implemented"),
  NOT_MODIFIED("NotModified", 304, "Not Modified"),
  PRECONDITION_FAILED("PreconditionFailed", 412, "At least one of the preconditions you specified did not hold"),
  REQUEST_HEADER_SECTION_TOO_LARGE("RequestHeaderSectionTooLarge", 400, "Your request header section exceeds the maximum allowed size"),
  REQUEST_TIME_TOO_SKEWED("RequestTimeTooSkewed", 403, "The difference between the request time and the server's time is too large"),
  REQUEST_TIMEOUT("RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period"),
  SERVICE_UNAVAILABLE("ServiceUnavailable", 503, "Please reduce your request rate"),
  SIGNATURE_DOES_NOT_MATCH("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
  SLOW_DOWN("SlowDown", 503, "Please reduce your request rate"),
  X_AMZ_CONTENT_SHA256_MISMATCH("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed"),
  X_AMZ_CONTENT_CHECKSUM_MISMATCH("XAmzContentChecksumMismatch", 400, "The provided checksum does not match what was computed"),
  INSUFFICIENT_STORAGE("InsufficientStorage", 507, "The cache has no room for the request"),
  EXPIRED_PRESIGNED_REQUEST("AccessDenied", 403, "Request has expired");

  private final String code;
  private final int status;
  private final String message;

  S3ErrorCode(String code, int status, String message) {
    this.code = code;
    this.status = status;
    this.message = message;
  }

  /** The code as it appears in the error XML. */
  public String code() {
    return code;
  }

  public int status() {
    return status;
  }

  public String message() {
    return message;
  }
}
