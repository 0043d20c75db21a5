package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cuts between characters, never inside a surrogate pair ({@code F} below stands for U+1F525 FIRE, two chars). */
class ExcerptTest
{
    private static final String FIRE = "\uD83D\uDD25";

    @ParameterizedTest(name = "{0}(\"{1}\", {2}) = \"{3}\"")
    @CsvSource({
        "head, abcdef, 4, abcd", "tail, abcdef, 4, cdef",
        "head, abcdef, 6, abcdef", "tail, abcdef, 6, abcdef",
        "head, abcdef, 9, abcdef", "tail, abcdef, 9, abcdef",
        "head, abcdef, 0, ''", "tail, abcdef, 0, ''",
        "head, aFb, 2, a", "tail, aFb, 2, b",
        "head, aFb, 3, aF", "tail, aFb, 3, Fb",
        "head, Fb, 1, ''", "tail, aF, 1, ''",
        "head, FF, 3, F", "tail, FF, 3, F" })
    void keepsAtMostMaxCharsOfWholeCharacters(final String end, final String text, final int maxChars,
        final String expected)
    {
        final String whole = text.replace("F", FIRE);

        final String cut = end.equals("head") ? Excerpt.head(whole, maxChars) : Excerpt.tail(whole, maxChars);

        assertEquals(expected.replace("F", FIRE), cut);
    }
}
