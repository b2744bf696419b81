package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.granary.loadtest.GranaryS3.KIB;
import static io.granary.loadtest.GranaryS3.intProp;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * 100 KiB PUTs: {@code granary.concurrency} (32) users PUT {@code put.size} (100 KiB) bodies back
 * to back (closed model) for {@code granary.seconds} (60), over a key space of {@code put.keys}
 * (2000) keys so that overwrites keep the data set bounded. Every PUT must answer 200 with an ETag.
 */
public class SmallPutSimulation extends GranaryS3.Sim {
  private final int size = intProp("put.size", 100 * KIB);
  private final int putKeys = intProp("put.keys", 2000);
  private final byte[] body = GranaryS3.randomBytes(size, 3);
  private final int concurrency = intProp("granary.concurrency", 32);
  private final Duration duration = GranaryS3.seconds("put.seconds", 60);

  private final ScenarioBuilder scn = scenario("small PUT")
      .exec(s3.putObject("PUT " + size / KIB + " KiB",
          s -> "put-" + size + "/object-" + ThreadLocalRandom.current().nextInt(putKeys), body));

  {
    closedLoad(scn, concurrency, duration, 120, 2000, 20);
  }
}
