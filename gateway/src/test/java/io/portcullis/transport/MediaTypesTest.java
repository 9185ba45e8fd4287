package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaTypesTest {
  @ParameterizedTest(name = "Accept \"{0}\" admits application/json: {1}")
  @CsvSource(delimiter = '|', value = {
      "application/json|true",
      "Application/JSON|true",
      "text/event-stream, application/json|true",
      "text/event-stream,application/json;q=0.9|true",
      "  application/json ; charset=utf-8 ,text/html|true",
      "*/*|true",
      "text/html, */*;q=0.1|true",
      "application/*|true",
      "APPLICATION/*; q=1|true",
      "text/event-stream|false",
      "application/jsonx|false",
      "application/js|false",
      "text/*|false",
      "application/x-*|false",
      "*/json|false",
      "''|false",
      ",,|false",
      "application/json-seq, text/plain|false"})
  void admitsAMediaTypeDirectlyOrThroughAWildcard(String accept, boolean admitted) {
    assertThat(MediaTypes.accepts(accept, "application/json")).isEqualTo(admitted);
  }

  @ParameterizedTest(name = "Accept \"{0}\" admits text/event-stream: {1}")
  @CsvSource(delimiter = '|', value = {
      "application/json, text/event-stream|true",
      "text/*|true",
      "application/json|false"})
  void readsEveryRangeOfTheHeader(String accept, boolean admitted) {
    assertThat(MediaTypes.accepts(accept, "text/event-stream")).isEqualTo(admitted);
  }

  @org.junit.jupiter.api.Test
  void noHeaderAdmitsNothing() {
    assertThat(MediaTypes.accepts(null, "application/json")).isFalse();
  }
}
