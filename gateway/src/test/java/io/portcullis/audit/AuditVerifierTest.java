package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AuditVerifierTest {
  @TempDir
  Path dir;

  /** Five chained records e1..e5, as the sinks write them. */
  private static List<String> chain() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StdoutSink sink = new StdoutSink(out);
    for (int i = 1; i <= 5; i++) {
      sink.record(AuditEvents.toolCall("e" + i));
    }
    return new ArrayList<>(List.of(out.toString(StandardCharsets.UTF_8).split("\n")));
  }

  private Path write(String name, List<String> lines) throws Exception {
    return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
  }

  private AuditVerifier.Break firstBreak(List<String> lines) throws Exception {
    AuditVerifier.Result result = AuditVerifier.verify(List.of(write("audit.jsonl", lines)));
    assertThat(result.intact()).isFalse();
    return result.firstBreak().orElseThrow();
  }

  @Nested
  class AnIntactChain {
    @Test
    void verifiesAndCountsItsRecords() throws Exception {
      AuditVerifier.Result result = AuditVerifier.verify(List.of(write("a.jsonl", chain())));

      assertThat(result.intact()).isTrue();
      assertThat(result.records()).isEqualTo(5);
      assertThat(result.startsAt()).isEqualTo(HashChain.GENESIS);
    }

    @Test
    void verifiesAcrossFilesGivenInOrder() throws Exception {
      List<String> lines = chain();
      Path first = write("a.jsonl", lines.subList(0, 2));
      Path second = write("b.jsonl", lines.subList(2, 5));

      assertThat(AuditVerifier.verify(List.of(first, second)).intact()).isTrue();
      assertThat(AuditVerifier.verify(List.of(second, first)).firstBreak().orElseThrow().problem())
          .isEqualTo(AuditVerifier.Problem.PREV_MISMATCH);
    }
  }

  @Nested
  class TheFirstBrokenRecordIsNamed {
    @Test
    void whenARecordWasEdited() throws Exception {
      List<String> lines = chain();
      lines.set(2, lines.get(2).replace("\"alice\"", "\"mallory\""));

      AuditVerifier.Break broken = firstBreak(lines);

      assertThat(broken.line()).isEqualTo(3);
      assertThat(broken.eventId()).isEqualTo("e3");
      assertThat(broken.problem()).isEqualTo(AuditVerifier.Problem.HASH_MISMATCH);
    }

    @Test
    void whenARecordWasDeleted() throws Exception {
      List<String> lines = chain();
      lines.remove(2);

      AuditVerifier.Break broken = firstBreak(lines);

      assertThat(broken.line()).isEqualTo(3);
      assertThat(broken.eventId()).isEqualTo("e4");
      assertThat(broken.problem()).isEqualTo(AuditVerifier.Problem.PREV_MISMATCH);
    }

    @Test
    void whenAForgedRecordWasInsertedTheRecordAfterItBreaks() throws Exception {
      List<String> lines = chain();
      String prev = HashChain.open(lines.get(1)).hash();
      lines.add(2, HashChain.seal(AuditEvents.toolCall("forged"), prev).line());

      AuditVerifier.Break broken = firstBreak(lines);

      assertThat(broken.line()).isEqualTo(4);
      assertThat(broken.eventId()).isEqualTo("e3");
      assertThat(broken.problem()).isEqualTo(AuditVerifier.Problem.PREV_MISMATCH);
    }

    @Test
    void whenARecordWasReplayed() throws Exception {
      List<String> lines = chain();
      lines.add(2, lines.get(0));

      AuditVerifier.Break broken = firstBreak(lines);

      assertThat(broken.line()).isEqualTo(3);
      assertThat(broken.eventId()).isEqualTo("e1");
      assertThat(broken.problem()).isEqualTo(AuditVerifier.Problem.PREV_MISMATCH);
    }

    @Test
    void whenRecordsWereReordered() throws Exception {
      List<String> lines = chain();
      Collections.swap(lines, 2, 3);

      AuditVerifier.Break broken = firstBreak(lines);

      assertThat(broken.line()).isEqualTo(3);
      assertThat(broken.eventId()).isEqualTo("e4");
      assertThat(broken.problem()).isEqualTo(AuditVerifier.Problem.PREV_MISMATCH);
    }

    @Test
    void whenALineIsNotARecord() throws Exception {
      List<String> lines = chain();
      lines.set(1, "garbage");

      AuditVerifier.Break broken = firstBreak(lines);

      assertThat(broken.line()).isEqualTo(2);
      assertThat(broken.problem()).isEqualTo(AuditVerifier.Problem.MALFORMED);
    }
  }

  @Nested
  class TheVerifyCommand {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
      return new CommandLine(new AuditVerifyCommand())
          .setOut(new PrintWriter(out, true))
          .setErr(new PrintWriter(err, true))
          .execute(args);
    }

    @Test
    void exitsZeroAndCountsRecordsWhenTheChainIsIntact() throws Exception {
      List<String> lines = chain();
      Path a = write("a.jsonl", lines.subList(0, 3));
      Path b = write("b.jsonl", lines.subList(3, 5));

      assertThat(run(a.toString(), b.toString())).isZero();
      assertThat(out.toString()).contains("5 records, chain intact");
    }

    @Test
    void exitsNonZeroNamingFileLineEventAndCause() throws Exception {
      List<String> lines = chain();
      lines.set(3, lines.get(3).replace("\"search\"", "\"delete\""));
      Path file = write("a.jsonl", lines);

      assertThat(run(file.toString())).isEqualTo(1);
      assertThat(err.toString())
          .contains(file + ":4")
          .contains("event e4")
          .contains("edited")
          .contains("after 3 intact records");
    }
  }
}
