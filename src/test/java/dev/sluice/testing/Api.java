package dev.sluice.testing;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** RestAssured requests as an OpenAI or Anthropic SDK sends them: JSON unless the test says otherwise. */
public final class Api {

    private Api() {
    }

    public static RequestSpecification given() {
        return RestAssured.given().contentType(ContentType.JSON);
    }

    public static RequestSpecification openai(String key) {
        return given().header("authorization", "Bearer " + key);
    }

    /** The smallest chat request: one user message, "hi", to {@code model} (an OpenAI or Anthropic body alike). */
    public static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    public static RequestSpecification anthropic(String key) {
        return given().header("x-api-key", key).header("anthropic-version", "2023-06-01");
    }
}
