package io.granary.gateway.s3;

import io.granary.boot.GranaryServer;
import io.granary.boot.TestGateways;
import io.granary.config.GranaryConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** A real gateway on free loopback ports with a known key pair, and real AWS SDK v2 clients for it. */
final class S3TestGateway implements AutoCloseable {
  static final String ACCESS_KEY = "AKIAGRANARYTEST";
  static final String SECRET_KEY = "granary/test/secret+key";

  final GranaryServer server;
  final URI endpoint;

  S3TestGateway(Path dataDir, String blockSize) throws IOException {
    GranaryConfig cfg = TestGateways.config(dataDir.getParent().resolve(dataDir.getFileName() + "-gw"), "512MiB", blockSize,
        ACCESS_KEY, SECRET_KEY);
    cfg.dataDir = dataDir.toString();
    cfg.tiers.get(0).path = dataDir.resolve("mem").toString();
    cfg.s3.publicReadBuckets.add("public");
    server = TestGateways.start(cfg);
    endpoint = URI.create("http://127.0.0.1:" + server.s3Port());
  }

  S3Client client() {
    return client(ACCESS_KEY, SECRET_KEY, RequestChecksumCalculation.WHEN_SUPPORTED);
  }

  S3Client client(String accessKey, String secretKey, RequestChecksumCalculation checksums) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .requestChecksumCalculation(checksums)
        .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(60)).build())
        .build();
  }

  Path ufs() {
    return server.dataDir().resolve("ufs");
  }

  @Override
  public void close() {
    server.close();
  }
}
