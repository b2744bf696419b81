package io.granary.s3;

/** The S3 operations Granary serves, named as AWS names them. */
public enum S3Operation {
  LIST_BUCKETS("ListBuckets"),
  CREATE_BUCKET("CreateBucket"),
  DELETE_BUCKET("DeleteBucket"),
  HEAD_BUCKET("HeadBucket"),
  GET_BUCKET_LOCATION("GetBucketLocation"),
  LIST_OBJECTS("ListObjects"),
  LIST_OBJECTS_V2("ListObjectsV2"),
  DELETE_OBJECTS("DeleteObjects"),
  LIST_MULTIPART_UPLOADS("ListMultipartUploads"),
  PUT_OBJECT("PutObject"),
  COPY_OBJECT("CopyObject"),
  GET_OBJECT("GetObject"),
  HEAD_OBJECT("HeadObject"),
  DELETE_OBJECT("DeleteObject"),
  GET_OBJECT_TAGGING("GetObjectTagging"),
  PUT_OBJECT_TAGGING("PutObjectTagging"),
  DELETE_OBJECT_TAGGING("DeleteObjectTagging"),
  CREATE_MULTIPART_UPLOAD("CreateMultipartUpload"),
  UPLOAD_PART("UploadPart"),
  UPLOAD_PART_COPY("UploadPartCopy"),
  COMPLETE_MULTIPART_UPLOAD("CompleteMultipartUpload"),
  ABORT_MULTIPART_UPLOAD("AbortMultipartUpload"),
  LIST_PARTS("ListParts"),
  /** A bucket sub-resource Granary does not implement (acl, policy, versioning, ...). */
  UNSUPPORTED("Unsupported");

  private final String awsName;

  S3Operation(String awsName) {
    this.awsName = awsName;
  }

  public String awsName() {
    return awsName;
  }

  /** Whether the request carries an object body to store. */
  public boolean hasBody() {
    return this == PUT_OBJECT || this == UPLOAD_PART || this == PUT_OBJECT_TAGGING || this == DELETE_OBJECTS
        || this == COMPLETE_MULTIPART_UPLOAD;
  }
}
