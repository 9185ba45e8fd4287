package io.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseParserTest {

  /** Feeds the chunks to a fresh parser and returns what it emitted. */
  private static List<SseEvent> parse(byte[]... chunks) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(events::add);
    for (byte[] chunk : chunks) {
      parser.feed(Buffer.buffer(chunk));
    }
    return events;
  }

  private static List<SseEvent> parse(String... chunks) {
    return parse(Arrays.stream(chunks).map(c -> c.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new));
  }

  @Nested
  class Chunking {
    private static final String STREAM = "id: 1\nevent: message\ndata: {\"a\":1}\n\n"
        + ": keep-alive\n\n"
        + "id: 2\ndata: first\ndata: second\nretry: 1500\n\n";

    private final List<SseEvent> expected = List.of(
        new SseEvent("1", "message", "{\"a\":1}", null),
        new SseEvent("2", null, "first\nsecond", 1500L));

    @Test
    void aWholeStreamInOneChunkGivesEveryEvent() {
      assertThat(parse(STREAM)).containsExactlyElementsOf(expected);
    }

    @Test
    void aStreamSplitInTwoAtEveryBytePositionGivesTheSameEvents() {
      byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
      for (int cut = 0; cut <= bytes.length; cut++) {
        assertThat(parse(Arrays.copyOfRange(bytes, 0, cut), Arrays.copyOfRange(bytes, cut, bytes.length)))
            .as("split at byte %d", cut)
            .containsExactlyElementsOf(expected);
      }
    }

    @Test
    void aStreamFedOneByteAtATimeGivesTheSameEvents() {
      byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
      byte[][] single = new byte[bytes.length][];
      for (int i = 0; i < bytes.length; i++) {
        single[i] = new byte[] {bytes[i]};
      }
      assertThat(parse(single)).containsExactlyElementsOf(expected);
    }

    @Test
    void anEventIsEmittedAsSoonAsItsBlankLineArrives() {
      List<SseEvent> events = new ArrayList<>();
      SseParser parser = new SseParser(events::add);
      parser.feed(Buffer.buffer("data: one\n"));
      assertThat(events).isEmpty();
      parser.feed(Buffer.buffer("\n"));
      assertThat(events).containsExactly(new SseEvent(null, null, "one", null));
    }

    @Test
    void aMultibyteCharacterSplitAcrossChunksAtEveryBytePositionIsDecodedWhole() {
      String data = "h\u00e9llo \u20ac \ud83d\ude80 \u4e2d\u6587";
      byte[] bytes = ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
      for (int cut = 0; cut <= bytes.length; cut++) {
        assertThat(parse(Arrays.copyOfRange(bytes, 0, cut), Arrays.copyOfRange(bytes, cut, bytes.length)))
            .as("split at byte %d", cut)
            .containsExactly(new SseEvent(null, null, data, null));
      }
    }
  }

  @Nested
  class LineEndings {
    @ParameterizedTest(name = "{index}: line ending {0}")
    @ValueSource(strings = {"\n", "\r\n", "\r"})
    void everyLineEndingSeparatesLinesAndEvents(String eol) {
      String stream = "id: 7" + eol + "data: a" + eol + "data: b" + eol + eol + "data: c" + eol + eol;
      assertThat(parse(stream)).containsExactly(
          new SseEvent("7", null, "a\nb", null),
          new SseEvent(null, null, "c", null));
    }

    @Test
    void mixedLineEndingsInOneStreamAreAllHonoured() {
      assertThat(parse("data: a\r\ndata: b\rdata: c\n\r\n")).containsExactly(new SseEvent(null, null, "a\nb\nc", null));
    }

    @Test
    void aCarriageReturnEndingOneChunkAndALineFeedStartingTheNextAreOneLineEnding() {
      assertThat(parse("data: a\r", "\ndata: b\r", "\n\r", "\n")).containsExactly(new SseEvent(null, null, "a\nb", null));
    }

    @Test
    void aCarriageReturnAtAChunkEndFollowedByAnotherLineIsStillALineEnding() {
      assertThat(parse("data: a\r", "data: b\r", "\r")).containsExactly(new SseEvent(null, null, "a\nb", null));
    }

    @Test
    void twoCarriageReturnsEndAnEventEvenWhenSplitAcrossChunks() {
      assertThat(parse("data: a\r", "\r", "data: b\r\r")).containsExactly(
          new SseEvent(null, null, "a", null),
          new SseEvent(null, null, "b", null));
    }
  }

  @Nested
  class Fields {
    @Test
    void dataLinesAreJoinedWithLineFeeds() {
      assertThat(parse("data: one\ndata: two\ndata:\ndata: four\n\n"))
          .containsExactly(new SseEvent(null, null, "one\ntwo\n\nfour", null));
    }

    @Test
    void onlyOneSpaceAfterTheColonIsRemoved() {
      assertThat(parse("data:no-space\n\ndata:  two-spaces\n\n")).containsExactly(
          new SseEvent(null, null, "no-space", null),
          new SseEvent(null, null, " two-spaces", null));
    }

    @Test
    void aFieldNameAloneIsAFieldWithAnEmptyValue() {
      assertThat(parse("data\n\n")).containsExactly(new SseEvent(null, null, "", null));
    }

    @Test
    void commentsAreIgnored() {
      assertThat(parse(": comment\ndata: a\n:another: comment\ndata: b\n\n"))
          .containsExactly(new SseEvent(null, null, "a\nb", null));
    }

    @Test
    void unknownFieldsAreIgnored() {
      assertThat(parse("colour: blue\ndata: a\n\n")).containsExactly(new SseEvent(null, null, "a", null));
    }

    @Test
    void anEventCarriesItsOwnIdAndTheNextEventDoesNotInheritIt() {
      assertThat(parse("id: 42\ndata: a\n\ndata: b\n\nid: 43\ndata: c\n\n")).containsExactly(
          new SseEvent("42", null, "a", null),
          new SseEvent(null, null, "b", null),
          new SseEvent("43", null, "c", null));
    }

    @Test
    void anEmptyIdIsKeptAsEmpty() {
      assertThat(parse("id:\ndata: a\n\n")).containsExactly(new SseEvent("", null, "a", null));
    }

    @Test
    void anIdContainingNulIsIgnored() {
      assertThat(parse("id: a\u0000b\ndata: x\n\n")).containsExactly(new SseEvent(null, null, "x", null));
    }

    @Test
    void theEventTypeBelongsToItsEventOnly() {
      assertThat(parse("event: progress\ndata: a\n\ndata: b\n\n")).containsExactly(
          new SseEvent(null, "progress", "a", null),
          new SseEvent(null, null, "b", null));
    }

    @Test
    void aRetryFieldOfDigitsIsReadAsMilliseconds() {
      assertThat(parse("retry: 3000\ndata: a\n\ndata: b\n\n")).containsExactly(
          new SseEvent(null, null, "a", 3000L),
          new SseEvent(null, null, "b", null));
    }

    @ParameterizedTest(name = "{index}: retry \"{0}\" is ignored")
    @ValueSource(strings = {"", "abc", "-5", "1.5", "10s", "99999999999999999999999"})
    void aRetryFieldThatIsNotAllDigitsIsIgnored(String value) {
      assertThat(parse("retry: " + value + "\ndata: a\n\n")).containsExactly(new SseEvent(null, null, "a", null));
    }
  }

  @Nested
  class Dispatch {
    @Test
    void anEventWithoutDataIsNotDispatched() {
      assertThat(parse("id: 1\nevent: ping\nretry: 100\n\n")).isEmpty();
    }

    @Test
    void anEventWithoutDataDoesNotLeakItsFieldsIntoTheNextEvent() {
      assertThat(parse("id: 1\nevent: ping\nretry: 100\n\ndata: a\n\n"))
          .containsExactly(new SseEvent(null, null, "a", null));
    }

    @Test
    void blankLinesBetweenEventsDispatchNothing() {
      assertThat(parse("\n\n\ndata: a\n\n\n\n")).containsExactly(new SseEvent(null, null, "a", null));
    }

    @Test
    void anEventWithoutItsBlankLineIsNotDispatched() {
      assertThat(parse("data: a\n\ndata: unfinished\n")).containsExactly(new SseEvent(null, null, "a", null));
    }
  }

  @Nested
  class RoundTrip {
    @ParameterizedTest(name = "{index}: data {0}")
    @ValueSource(strings = {"", "{\"jsonrpc\":\"2.0\"}", "two\nlines", "\nleading", "trailing\n", "a\n\nb", "\n", "\u00e9\u20ac\ud83d\ude80"})
    void anEncodedEventParsesBackToItself(String data) {
      SseEvent event = new SseEvent("id-1", "message", data, 2500L);
      assertThat(parse(event.encode())).containsExactly(event);
    }

    @Test
    void anEncodedEventWithoutOptionalFieldsParsesBackToItself() {
      SseEvent event = new SseEvent(null, null, "line one\nline two");
      assertThat(parse(event.encode())).containsExactly(event);
    }

    @Test
    void severalEncodedEventsInOneStreamParseBackInOrder() {
      SseEvent first = new SseEvent("1", "message", "a\nb");
      SseEvent second = new SseEvent("2", null, "c");
      assertThat(parse(first.encode() + second.encode())).containsExactly(first, second);
    }
  }
}
