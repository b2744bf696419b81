package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.granary.loadtest.GranaryS3.KIB;
import static io.granary.loadtest.GranaryS3.intProp;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * 100 KiB PUTs: {@code granary.concurrency} (32) users PUT {@code put.size} (100 KiB) bodies back
 * to back (closed model) for {@code granary.seconds} (60), over a key space of {@code put.keys}
 * (2000) keys so that overwrites keep the data set bounded. Every PUT must answer 200 with an ETag.
 */
public class SmallPutSimulation extends Simulation {
  private final GranaryS3 s3 = GranaryS3.fromSystemProperties();
  private final int size = intProp("put.size", 100 * KIB);
  private final int putKeys = intProp("put.keys", 2000);
  private final byte[] body = GranaryS3.randomBytes(size, 3);
  private final int concurrency = intProp("granary.concurrency", 32);
  private final Duration duration = GranaryS3.seconds("put.seconds", 60);

  private final ScenarioBuilder scn = scenario("small PUT")
      .exec(http("PUT " + size / KIB + " KiB")
          .put(s -> s3.objectPath("put-" + size + "/object-" + ThreadLocalRandom.current().nextInt(putKeys)))
          .body(ByteArrayBody(body))
          .check(status().is(200), header("ETag").exists()));

  {
    setUp(scn.injectClosed(constantConcurrentUsers(concurrency).during(duration)))
        .protocols(s3.protocol())
        .maxDuration(duration.plusSeconds(120))
        .assertions(GranaryS3.assertions(2000, 20));
  }

  @Override
  public void before() {
    GranaryS3.setup("setup", s3::createBucket);
  }

  @Override
  public void after() {
    s3.close();
  }
}
