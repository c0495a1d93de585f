package io.roadseg.postprocess;

/**
 * The k-th smallest of the first n values of a float array, found in place (Hoare's selection, median-of-three
 * pivots, expected linear time) and with no allocation: the hot path's medians and percentiles. {@code
 * java.util.Arrays.sort(float[], int, int)} is not used there because it allocates a run table for input made of a
 * few ascending or descending runs (JDK 17: 528 bytes a call for 100 floats in four runs) — which is what the
 * distances across an object's columns are.
 *
 * <p>NaN must not be among the values (the probes keep only positive finite distances).
 */
public final class FloatSelect {
    private FloatSelect() {
    }

    /**
     * @return the value of rank {@code k} (0 = smallest) among {@code a[0..n)}; the array is reordered so that
     *         {@code a[k]} holds it, nothing larger before it and nothing smaller after it
     * @throws IllegalArgumentException when {@code k} is not in {@code [0, n)}
     */
    public static float kth(float[] a, int n, int k) {
        if (k < 0 || k >= n) {
            throw new IllegalArgumentException("rank " + k + " of " + n + " values");
        }
        int lo = 0;
        int hi = n - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            // median of three to a[mid], then Hoare partition around it
            if (a[mid] < a[lo]) {
                swap(a, mid, lo);
            }
            if (a[hi] < a[lo]) {
                swap(a, hi, lo);
            }
            if (a[hi] < a[mid]) {
                swap(a, hi, mid);
            }
            float pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k]; // between the two parts: equal to the pivot
            }
        }
        return a[k];
    }

    /** The median of {@code a[0..n)}: the middle value, or the mean of the two middle ones; reorders the array. */
    public static float median(float[] a, int n) {
        float upper = kth(a, n, n / 2);
        if ((n & 1) == 1) {
            return upper;
        }
        float lower = a[0]; // after the selection, a[0..n/2) holds the n/2 smallest: the largest of them is next
        for (int i = 1; i < n / 2; i++) {
            lower = Math.max(lower, a[i]);
        }
        return (lower + upper) / 2;
    }

    private static void swap(float[] a, int i, int j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
