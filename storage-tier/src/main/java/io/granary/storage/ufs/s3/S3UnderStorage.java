package io.granary.storage.ufs.s3;

import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.support.ObjectStoreUnderStorage;
import io.granary.storage.ufs.support.PutSource;
import io.granary.storage.ufs.support.UfsInputStream;
import io.granary.storage.ufs.support.UfsOptions;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.auth.scheme.NoAuthAuthScheme;
import software.amazon.awssdk.http.auth.spi.scheme.AuthSchemeOption;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 bucket, or a key prefix in one, {@code s3://bucket/prefix}, through AWS SDK v2 and its
 * URL-connection HTTP client (the Netty and Apache clients are kept off the class path).
 *
 * <p>Options (see {@link UfsOptions}): {@code endpoint} for S3-compatible servers, {@code region}
 * (us-east-1), {@code access-key}/{@code secret-key} (anonymous requests without them),
 * {@code path-style} (default true when an endpoint is set), {@code connect-timeout-ms} (5000),
 * {@code request-timeout-ms} (30000, the socket read timeout: a store that stops answering, before
 * or during a body, fails after it), {@code retries} (3, the SDK's own retries). A put also gets
 * an attempt deadline that grows with its size, because a socket write has no timeout of its own.
 *
 * <p>The SDK's default request checksums and response validation are limited to operations that
 * require them: S3-compatible servers such as s3proxy reject or mis-handle the trailing checksums
 * the SDK otherwise sends with every PUT. Puts stream the caller's data (again on a retry only if
 * it is a replayable {@link PutSource}): with credentials
 * over plain HTTP the SDK signs it chunk by chunk (aws-chunked), and anonymous clients skip the
 * signer altogether. Batch deletes carry Content-MD5 (the SDK's legacy MD5 plugin), which
 * S3-compatible servers still demand where newer SDKs send a CRC32 instead.
 */
public final class S3UnderStorage extends ObjectStoreUnderStorage {
  /** Slowest upload rate a put is allowed before its attempt is cut off. */
  private static final long MIN_PUT_BYTES_PER_SECOND = 1 << 20;

  private final ConnectionTracker connections;
  private final SdkHttpClient http;
  private final S3Client s3;
  private final Duration baseAttemptTimeout;

  public S3UnderStorage(URI uri, Map<String, String> options) {
    super(uri, "s3");
    UfsOptions o = new UfsOptions(options);
    Optional<String> endpoint = o.string(UfsOptions.ENDPOINT);
    Duration connectTimeout = o.millis(UfsOptions.CONNECT_TIMEOUT_MS, 5_000);
    Duration requestTimeout = o.millis(UfsOptions.REQUEST_TIMEOUT_MS, 30_000);
    int retries = o.nonNegativeInt(UfsOptions.RETRIES, 3);
    this.baseAttemptTimeout = connectTimeout.plus(requestTimeout);

    this.connections = new ConnectionTracker(connectTimeout, requestTimeout);
    this.http = UrlConnectionHttpClient.create(connections);
    S3ClientBuilder builder = S3Client.builder()
        .region(Region.of(o.string(UfsOptions.REGION, "us-east-1")))
        .credentialsProvider(credentials(o))
        .httpClient(http)
        .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(retries + 1)))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .addPlugin(LegacyMd5Plugin.create())
        .forcePathStyle(o.bool(UfsOptions.PATH_STYLE, endpoint.isPresent()));
    endpoint.ifPresent(e -> builder.endpointOverride(URI.create(e)));
    if (o.string(UfsOptions.ACCESS_KEY).isEmpty()) {
      // Anonymous requests still go through the SigV4 signer, which drains the body once to
      // checksum nothing before sending it: fatal for a stream that can be read only once.
      builder.authSchemeProvider(params -> List.of(AuthSchemeOption.builder().schemeId(NoAuthAuthScheme.SCHEME_ID).build()));
    }
    this.s3 = builder.build();
  }

  private static AwsCredentialsProvider credentials(UfsOptions o) {
    Optional<String> accessKey = o.string(UfsOptions.ACCESS_KEY);
    if (accessKey.isEmpty()) {
      return AnonymousCredentialsProvider.create();
    }
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey.get(), o.string(UfsOptions.SECRET_KEY, "")));
  }

  @Override
  protected boolean bucketExists() {
    try {
      call("head bucket", () -> s3.headBucket(b -> b.bucket(bucket())));
      return true;
    } catch (UnderStorageException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  @Override
  protected Optional<ObjectInfo> headObject(String key) {
    try {
      HeadObjectResponse head = call("head " + key, () -> s3.headObject(b -> b.bucket(bucket()).key(key)));
      return Optional.of(new ObjectInfo(key, head.contentLength(), millis(head.lastModified()), unquote(head.eTag())));
    } catch (UnderStorageException e) {
      if (e.kind() == Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  protected KeyPage listKeys(String keyPrefix, String delimiter, String token, int maxKeys) {
    ListObjectsV2Response page = call("list " + keyPrefix, () -> s3.listObjectsV2(b -> b
        .bucket(bucket())
        .prefix(keyPrefix)
        .delimiter(delimiter)
        .continuationToken(token)
        .maxKeys(maxKeys)));
    List<ObjectInfo> objects = page.contents().stream()
        .map((S3Object o) -> new ObjectInfo(o.key(), o.size(), millis(o.lastModified()), unquote(o.eTag())))
        .toList();
    List<String> prefixes = page.commonPrefixes().stream().map(CommonPrefix::prefix).toList();
    return new KeyPage(objects, prefixes, Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null);
  }

  @Override
  protected InputStream getObject(String key, long offset, long length) {
    GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket()).key(key);
    if (offset > 0 || length > 0) {
      request.range("bytes=" + offset + "-" + (length > 0 ? String.valueOf(offset + length - 1) : ""));
    }
    ResponseInputStream<GetObjectResponse> body;
    try {
      body = s3.getObject(request.build());
    } catch (SdkException | UncheckedIOException e) {
      if (S3Errors.isUnsatisfiableRange(e)) {
        return UfsInputStream.empty();
      }
      throw S3Errors.translate(e, "open " + key);
    }
    return new UfsInputStream(body, body::abort, e -> S3Errors.translate(e, "read " + key));
  }

  @Override
  protected void putObject(String key, PutSource data) {
    long length = data.length();
    Duration deadline = baseAttemptTimeout.plusSeconds(length / MIN_PUT_BYTES_PER_SECOND);
    // A one-time stream can be sent only before it was touched; a replayable one opens again.
    ContentStreamProvider once = () -> {
      if (!data.restart()) {
        throw new IllegalStateException("the data of a put cannot be sent twice");
      }
      return data;
    };
    connections.track();
    try {
      s3.putObject(b -> b
              .bucket(bucket())
              .key(key)
              .contentLength(length)
              .overrideConfiguration(c -> c.apiCallAttemptTimeout(deadline)),
          RequestBody.fromContentProvider(once, length, "application/octet-stream"));
    } catch (SdkException | UncheckedIOException e) {
      connections.disconnectTracked();
      throw data.failureOr(S3Errors.translate(e, "put " + key));
    } finally {
      connections.untrack();
    }
  }

  @Override
  protected void copyObject(String srcKey, String dstKey) {
    call("copy " + srcKey + " to " + dstKey, () -> s3.copyObject(b -> b
        .sourceBucket(bucket())
        .sourceKey(srcKey)
        .destinationBucket(bucket())
        .destinationKey(dstKey)));
  }

  @Override
  protected void deleteObjects(List<String> keys) {
    if (keys.size() == 1) {
      call("delete " + keys.get(0), () -> s3.deleteObject(b -> b.bucket(bucket()).key(keys.get(0))));
      return;
    }
    List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
    DeleteObjectsResponse response = call("delete " + keys.size() + " keys", () -> s3.deleteObjects(b -> b
        .bucket(bucket())
        .delete(d -> d.objects(ids).quiet(true))));
    if (response.hasErrors() && !response.errors().isEmpty()) {
      throw S3Errors.translate(response.errors().get(0), "delete " + response.errors().get(0).key());
    }
  }

  @Override
  public void close() {
    s3.close();
    http.close();
  }

  private static <T> T call(String what, Supplier<T> request) {
    try {
      return request.get();
    } catch (SdkException | UncheckedIOException e) {
      throw S3Errors.translate(e, what);
    }
  }

  private static long millis(Instant instant) {
    return instant == null ? 0 : instant.toEpochMilli();
  }
}
