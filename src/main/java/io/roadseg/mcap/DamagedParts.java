package io.roadseg.mcap;

import java.util.HashSet;
import java.util.Set;

/**
 * The damaged parts of one recording found so far — at open (a chunk met while scanning a file without an index) or
 * as cursors reached them — each counted once however many cursors meet it, with the first one's description for the
 * one line a run ends with.
 *
 * <p>Threading: the reader's thread.
 */
public final class DamagedParts {
    private final Set<Object> places = new HashSet<>();
    private String first;

    /**
     * Notes a damaged part once.
     *
     * @param place what tells it from the others (a chunk's position, a message's)
     * @param what  one line naming the file, the place and the problem
     */
    public void note(Object place, String what) {
        if (places.add(place) && first == null) {
            first = what;
        }
    }

    /** @return whether {@code place} was noted */
    public boolean has(Object place) {
        return !places.isEmpty() && places.contains(place);
    }

    /** @return whether the part at {@code position} was noted (no allocation while nothing is damaged) */
    public boolean has(long position) {
        return !places.isEmpty() && places.contains(position);
    }

    /** @return how many damaged parts were found */
    public int count() {
        return places.size();
    }

    /** @return the first damaged part's description, or null while none is known */
    public String first() {
        return first;
    }

    /** @return the first part's description, and how many more there are */
    @Override
    public String toString() {
        int n = places.size();
        return n == 0 ? "no damaged part" : n == 1 ? first : first + ", and " + (n - 1) + " more damaged part"
                + (n == 2 ? "" : "s");
    }
}
