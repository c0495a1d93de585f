package io.roadseg.sim;

import static io.roadseg.sim.SceneClasses.*;

/**
 * Ray-casts a {@link TownScene} through a {@link CameraCalibration}: for every pixel the exact class and the depth
 * along the optical axis (metres; 0 for sky), and a shaded BGR image consistent with them.
 *
 * <p>Geometry, in a road-aligned frame under the camera (X right, Y up, Z forward, origin on the road): the road
 * surface is Y = 0, the centre line X = c + ½·κ·Z² (κ the curvature at the camera), facades and fences are the
 * surfaces X − centre(Z) = ±line (a quadratic in the ray parameter), street furniture and movers are boxes and
 * spheres intersected only inside their projected screen rectangles — so cost grows with pixels and only with the
 * objects' screen area, not their number. Ray directions are computed once per calibration (lens distortion
 * included); for a ray (x, y, 1) in camera coordinates the ray parameter t is the depth itself.
 *
 * <p>Deterministic: per-pixel work is plain float/double arithmetic and integer hashing; the only transcendental
 * function per pixel (haze) comes from a table built with {@link StrictMath}.
 *
 * <p>Threading: one instance per thread (it owns scratch buffers).
 */
public final class RoadSceneRenderer {
    /**
     * Generation of the rendering: it changes whenever the same drive parameters would render differently (the
     * determinism test pins a hash of it). Recorded in {@code drive.json}, so a recording can tell whether it can be
     * regenerated bit for bit from its parameters.
     */
    public static final String VERSION = "town-1";
    private static final int MAX_OBJECTS = 1024;
    private static final double MAX_DEPTH = 250;
    /** Haze table resolution: entries per unit of depth/hazeDistance. */
    private static final double HAZE_STEPS = 128;

    private final CameraCalibration camera;
    private final int width;
    private final int height;
    private final double h;
    private final double sinPitch;
    private final double cosPitch;
    private final double sinRoll;
    private final double cosRoll;
    private final float[] rayX;
    private final float[] rayY;
    private final float[] rayZ;
    // per-pixel surface description for shading
    private final byte[] surface;
    private final float[] coordA;
    private final float[] coordB;
    private final short[] object;
    private final int[] rgb;
    private final float[] hazeTable = new float[1024];
    // objects of the current frame
    private int objects;
    private final boolean[] sphere = new boolean[MAX_OBJECTS];
    private final int[] objClass = new int[MAX_OBJECTS];
    private final int[] objColor = new int[MAX_OBJECTS];
    private final double[] x0 = new double[MAX_OBJECTS];
    private final double[] x1 = new double[MAX_OBJECTS];
    private final double[] y0 = new double[MAX_OBJECTS];
    private final double[] y1 = new double[MAX_OBJECTS];
    private final double[] z0 = new double[MAX_OBJECTS];
    private final double[] z1 = new double[MAX_OBJECTS];
    private final double[] uv = new double[2];

    // surfaces
    private static final byte S_SKY = 0;
    private static final byte S_GROUND = 1;
    private static final byte S_FACADE = 2;
    private static final byte S_BOX_X = 3;
    private static final byte S_BOX_Y = 4;
    private static final byte S_BOX_Z = 5;
    private static final byte S_SPHERE = 6;

    public RoadSceneRenderer(CameraCalibration camera) {
        if (!camera.hasMount()) {
            throw new IllegalArgumentException("calibration " + camera.name() + " gives no mount (mount_height_m, "
                    + "pitch_deg): the renderer needs the camera's place over the road");
        }
        if (!camera.seesOnlyAhead()) {
            throw new IllegalArgumentException("calibration " + camera.name() + ": a fisheye whose corners see more "
                    + "than 90° off the axis, which the renderer does not draw");
        }
        this.camera = camera;
        width = camera.width();
        height = camera.height();
        h = camera.mountHeightM();
        double pitch = StrictMath.toRadians(camera.pitchDeg());
        double roll = StrictMath.toRadians(camera.rollDeg());
        sinPitch = StrictMath.sin(pitch);
        cosPitch = StrictMath.cos(pitch);
        sinRoll = StrictMath.sin(roll);
        cosRoll = StrictMath.cos(roll);
        int n = width * height;
        rayX = new float[n];
        rayY = new float[n];
        rayZ = new float[n];
        surface = new byte[n];
        coordA = new float[n];
        coordB = new float[n];
        object = new short[n];
        rgb = new int[n];
        double[] ray = new double[3];
        for (int v = 0; v < height; v++) {
            for (int u = 0; u < width; u++) {
                camera.rayInRoadFrame(u + 0.5, v + 0.5, ray);
                int i = v * width + u;
                rayX[i] = (float) ray[0];
                rayY[i] = (float) ray[1];
                rayZ[i] = (float) ray[2];
            }
        }
        for (int i = 0; i < hazeTable.length; i++) {
            hazeTable[i] = (float) StrictMath.exp(-i / HAZE_STEPS);
        }
    }

    public CameraCalibration camera() {
        return camera;
    }

    /** Objects (boxes and spheres: furniture and movers) within range in the last frame rendered. */
    int objectsInLastFrame() {
        return objects;
    }

    /**
     * Renders one frame.
     *
     * @param scene      the town
     * @param sCamera    camera position along the road, metres
     * @param time       scene time, seconds (moves the movers)
     * @param frameIndex for the camera noise
     * @param bgr        out: {@code width*height*3} bytes, BGR
     * @param classIds   out: {@code width*height} class ids
     * @param depth      out: {@code width*height} depths in metres, 0 = sky
     */
    public void render(TownScene scene, double sCamera, double time, long frameIndex, byte[] bgr, byte[] classIds,
                       float[] depth) {
        double kappa = scene.curvature(sCamera);
        double c0 = -scene.egoLane;
        castStatic(scene, sCamera, kappa, c0, classIds, depth);
        collectObjects(scene, sCamera, time, kappa, c0);
        castObjects(classIds, depth);
        shade(scene, sCamera, kappa, c0, frameIndex, bgr, classIds, depth);
    }

    private void castStatic(TownScene scene, double sCam, double kappa, double c0, byte[] ids, float[] depth) {
        double line = scene.facadeLine();
        double half = scene.roadHalf;
        int lines = scene.surfaceLines();
        int n = width * height;
        for (int i = 0; i < n; i++) {
            double dx = rayX[i];
            double dy = rayY[i];
            double dz = rayZ[i];
            double best = Double.POSITIVE_INFINITY;
            int cls = SKY;
            byte surf = S_SKY;
            float a = 0;
            float b = 0;
            if (dy < 0) {
                double t = h / -dy;
                if (t < MAX_DEPTH) {
                    double z = t * dz;
                    double l = t * dx - (c0 + 0.5 * kappa * z * z);
                    double s = sCam + z;
                    double al = Math.abs(l);
                    if (al < half || scene.inIntersection(s)) {
                        cls = ROAD;
                    } else if (al < line) {
                        cls = PAVEMENT;
                    } else {
                        cls = TREE; // lawn behind the pavement: vegetation, as CamVid labels it
                    }
                    best = t;
                    surf = S_GROUND;
                    a = (float) s;
                    b = (float) l;
                }
            }
            // facades, fences (and the suburb's set-back houses and tree lines) on both sides, surfaces parallel to
            // the road: t·dx − c0 − ½κ(t·dz)² = ±offset
            for (int side = -1; side <= 1; side += 2) {
                for (int k = 0; k < lines; k++) {
                    double qa = -0.5 * kappa * dz * dz;
                    double qb = dx;
                    double qc = -(c0 + side * scene.surfaceLine(k, side));
                    double t1;
                    double t2;
                    if (Math.abs(qa) < 1e-12) {
                        if (qb == 0) {
                            continue;
                        }
                        t1 = -qc / qb;
                        t2 = Double.NaN;
                    } else {
                        double disc = qb * qb - 4 * qa * qc;
                        if (disc < 0) {
                            continue;
                        }
                        double sq = Math.sqrt(disc);
                        double r1 = (-qb - sq) / (2 * qa);
                        double r2 = (-qb + sq) / (2 * qa);
                        t1 = Math.min(r1, r2);
                        t2 = Math.max(r1, r2);
                    }
                    for (int root = 0; root < 2; root++) {
                        double t = root == 0 ? t1 : t2;
                        if (!(t > 0.3) || t >= best) {
                            continue;
                        }
                        double y = h + t * dy;
                        double s = sCam + t * dz;
                        if (y < 0 || scene.inIntersection(s)) {
                            continue;
                        }
                        if (k == 2) { // the suburb's tree line
                            if (y > scene.treeLineHeight(s, side)) {
                                continue;
                            }
                            best = t;
                            cls = TREE;
                        } else {
                            long cell = (long) Math.floor(s / TownScene.FACADE_CELL);
                            if (scene.facadeLineOf(cell, side) != k) {
                                continue;
                            }
                            double fh = scene.facadeHeight(cell, side);
                            if (fh > 0 && y <= fh) {
                                best = t;
                                cls = BUILDING;
                            } else if (fh < 0 && y <= -fh) {
                                best = t;
                                cls = FENCE;
                            } else {
                                continue;
                            }
                        }
                        surf = S_FACADE;
                        a = (float) s;
                        b = (float) y;
                        break;
                    }
                }
            }
            ids[i] = (byte) cls;
            depth[i] = surf == S_SKY ? 0f : (float) best;
            surface[i] = surf;
            coordA[i] = a;
            coordB[i] = b;
            object[i] = -1;
        }
    }

    private void addBox(int cls, int color, double cx, double cz, double hx, double hz, double yLow, double yHigh) {
        if (objects >= MAX_OBJECTS) {
            return;
        }
        int k = objects++;
        sphere[k] = false;
        objClass[k] = cls;
        objColor[k] = color;
        x0[k] = cx - hx;
        x1[k] = cx + hx;
        z0[k] = cz - hz;
        z1[k] = cz + hz;
        y0[k] = yLow;
        y1[k] = yHigh;
    }

    private void addSphere(int cls, int color, double cx, double cy, double cz, double r) {
        if (objects >= MAX_OBJECTS) {
            return;
        }
        int k = objects++;
        sphere[k] = true;
        objClass[k] = cls;
        objColor[k] = color;
        x0[k] = cx;
        y0[k] = cy;
        z0[k] = cz;
        x1[k] = r;
    }

    private void collectObjects(TownScene scene, double sCam, double time, double kappa, double c0) {
        objects = 0;
        double zMin = 1.5;
        double zMax = 140;
        long first = (long) Math.floor((sCam + zMin) / TownScene.FURNITURE_CELL);
        long last = (long) Math.floor((sCam + zMax) / TownScene.FURNITURE_CELL);
        for (long cell = first; cell <= last; cell++) {
            for (int side = -1; side <= 1; side += 2) {
                int kind = scene.furniture(cell, side);
                if (kind == 0) {
                    continue;
                }
                double s = (cell + 0.2 + 0.6 * scene.unit(cell, side, 1)) * TownScene.FURNITURE_CELL;
                if (scene.inIntersection(s)) {
                    continue;
                }
                double z = s - sCam;
                if (z < zMin) {
                    continue;
                }
                double centre = c0 + 0.5 * kappa * z * z;
                if (kind == 3) {
                    double l = side * (scene.roadHalf + scene.pavement * (0.55 + 0.3 * scene.unit(cell, side, 2)));
                    double r = 1.3 + 1.3 * scene.unit(cell, side, 3);
                    double trunk = 2.2 + 1.5 * scene.unit(cell, side, 4);
                    addBox(TREE, 0, centre + l, z, 0.15, 0.15, 0, trunk + r * 0.5);
                    addSphere(TREE, 1, centre + l, trunk + r * 0.8, z, r);
                } else {
                    double l = side * (scene.roadHalf + 0.45);
                    double top = 3.5 + 4 * scene.unit(cell, side, 5);
                    addBox(POLE, 0, centre + l, z, 0.08, 0.08, 0, top);
                    if (kind == 2) {
                        double sy = 2.1 + 0.8 * scene.unit(cell, side, 6);
                        addBox(SIGN, (int) (3 * scene.unit(cell, side, 7)), centre + l - side * 0.1, z - 0.1,
                                0.35, 0.03, sy, sy + 0.7);
                    }
                }
            }
        }
        for (TownScene.Mover m : scene.movers) {
            double z = m.s(time) - sCam;
            if (z - m.halfLength < zMin || z > zMax) {
                continue;
            }
            double centre = c0 + 0.5 * kappa * z * z;
            addBox(m.cls, m.color, centre + m.l, z, m.halfWidth, m.halfLength, 0, m.height);
        }
    }

    private void castObjects(byte[] ids, float[] depth) {
        for (int k = 0; k < objects; k++) {
            if (!bounds(k)) {
                continue;
            }
            int u0 = bu0;
            int u1 = bu1;
            int v0 = bv0;
            int v1 = bv1;
            for (int v = v0; v <= v1; v++) {
                for (int u = u0; u <= u1; u++) {
                    int i = v * width + u;
                    double dx = rayX[i];
                    double dy = rayY[i];
                    double dz = rayZ[i];
                    double t;
                    byte surf;
                    if (sphere[k]) {
                        double ox = -x0[k];
                        double oy = h - y0[k];
                        double oz = -z0[k];
                        double a = dx * dx + dy * dy + dz * dz;
                        double b = 2 * (ox * dx + oy * dy + oz * dz);
                        double c = ox * ox + oy * oy + oz * oz - x1[k] * x1[k];
                        double disc = b * b - 4 * a * c;
                        if (disc < 0) {
                            continue;
                        }
                        t = (-b - Math.sqrt(disc)) / (2 * a);
                        surf = S_SPHERE;
                    } else {
                        double tx0 = (x0[k]) / dx;
                        double tx1 = (x1[k]) / dx;
                        double ty0 = (y0[k] - h) / dy;
                        double ty1 = (y1[k] - h) / dy;
                        double tz0 = z0[k] / dz;
                        double tz1 = z1[k] / dz;
                        double nx = Math.min(tx0, tx1);
                        double ny = Math.min(ty0, ty1);
                        double nz = Math.min(tz0, tz1);
                        double far = Math.min(Math.max(tx0, tx1), Math.min(Math.max(ty0, ty1), Math.max(tz0, tz1)));
                        t = Math.max(nx, Math.max(ny, nz));
                        if (!(t <= far)) {
                            continue;
                        }
                        surf = t == nz ? S_BOX_Z : t == nx ? S_BOX_X : S_BOX_Y;
                    }
                    if (!(t > 0.3)) {
                        continue;
                    }
                    float cur = depth[i];
                    if (cur == 0f || t < cur) {
                        depth[i] = (float) t;
                        ids[i] = (byte) objClass[k];
                        surface[i] = surf;
                        object[i] = (short) k;
                        coordB[i] = (float) (h + t * dy);
                    }
                }
            }
        }
    }

    private final double[] pixel = new double[2];
    private int bu0;
    private int bu1;
    private int bv0;
    private int bv1;

    /** Screen rectangle of object k (padded), into bu0..bv1; false when off screen or behind the camera. */
    private boolean bounds(int k) {
        double minU = Double.POSITIVE_INFINITY;
        double maxU = Double.NEGATIVE_INFINITY;
        double minV = Double.POSITIVE_INFINITY;
        double maxV = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < 8; c++) {
            double wx;
            double wy;
            double wz;
            if (sphere[k]) {
                double r = x1[k];
                wx = x0[k] + ((c & 1) == 0 ? -r : r);
                wy = y0[k] + ((c & 2) == 0 ? -r : r);
                wz = z0[k] + ((c & 4) == 0 ? -r : r);
            } else {
                wx = (c & 1) == 0 ? x0[k] : x1[k];
                wy = (c & 2) == 0 ? y0[k] : y1[k];
                wz = (c & 4) == 0 ? z0[k] : z1[k];
            }
            double yRel = wy - h;
            double d = wz * cosPitch - yRel * sinPitch;
            if (d < 0.2) {
                return false;
            }
            double xr = wx / d;
            double yr = (-yRel / d - sinPitch) / cosPitch;
            double x = xr * cosRoll + yr * sinRoll;
            double y = -xr * sinRoll + yr * cosRoll;
            camera.distort(x, y, pixel);
            double u = pixel[0];
            double v = pixel[1];
            minU = Math.min(minU, u);
            maxU = Math.max(maxU, u);
            minV = Math.min(minV, v);
            maxV = Math.max(maxV, v);
        }
        int pad = camera.hasDistortion() ? 2 + width / 20 : 2;
        bu0 = (int) Math.max(0, Math.floor(minU) - pad);
        bu1 = (int) Math.min(width - 1, Math.ceil(maxU) + pad);
        bv0 = (int) Math.max(0, Math.floor(minV) - pad);
        bv1 = (int) Math.min(height - 1, Math.ceil(maxV) + pad);
        return bu0 <= bu1 && bv0 <= bv1;
    }

    private void shade(TownScene scene, double sCam, double kappa, double c0, long frame, byte[] bgr, byte[] ids,
                       float[] depth) {
        TownScene.Style st = scene.style;
        int n = width * height;
        double sunX = st.sunX;
        double sunY = st.sunY;
        double sunZ = st.sunZ;
        for (int i = 0; i < n; i++) {
            int cls = ids[i];
            byte surf = surface[i];
            int[] base = st.classColor[cls];
            int r0 = base[2];
            int g0 = base[1];
            int b0 = base[0];
            double light;
            int tex = 0;
            if (surf == S_SKY) {
                double f = Math.min(1, Math.max(0, rayY[i] + 0.05) * 2.5);
                r0 = (int) (st.skyHorizon[2] + (st.skyTop[2] - st.skyHorizon[2]) * f);
                g0 = (int) (st.skyHorizon[1] + (st.skyTop[1] - st.skyHorizon[1]) * f);
                b0 = (int) (st.skyHorizon[0] + (st.skyTop[0] - st.skyHorizon[0]) * f);
                light = 1;
            } else if (surf == S_GROUND) {
                double s = coordA[i];
                double l = coordB[i];
                light = st.ambient + (1 - st.ambient) * sunY;
                tex = (TownScene.hash(scene.seed, 1, (long) Math.floor(s * 12), (long) Math.floor(l * 12)) & 15) - 8;
                if (cls == TREE) {
                    tex = (TownScene.hash(scene.seed, 5, (long) Math.floor(s * 3), (long) Math.floor(l * 3)) & 31)
                            - 16;
                } else if (cls == ROAD) {
                    if (marking(scene, s, l)) {
                        r0 = 225;
                        g0 = 225;
                        b0 = 225;
                        tex /= 2;
                    }
                } else {
                    if (((long) Math.floor(s * 2) + (long) Math.floor(l * 2) & 1) == 0) {
                        tex += 6;
                    }
                }
            } else if (surf == S_FACADE) {
                double s = coordA[i];
                double y = coordB[i];
                double zz = depth[i] * rayZ[i];
                double l = rayX[i] * depth[i] - (c0 + 0.5 * kappa * zz * zz);
                int side = l < 0 ? -1 : 1;
                long cell = (long) Math.floor(s / TownScene.FACADE_CELL);
                light = st.ambient + (1 - st.ambient) * Math.max(0, -side * sunX);
                if (cls == BUILDING) {
                    int[] p = st.facadePalette[scene.facadeColor(cell, side)];
                    r0 = p[2];
                    g0 = p[1];
                    b0 = p[0];
                    double ms = s - Math.floor(s / 3.0) * 3.0;
                    double my = y - Math.floor(y / 3.2) * 3.2;
                    if (y > 1.8 && ms > 0.8 && ms < 2.2 && my > 1.0 && my < 2.3) {
                        r0 = r0 / 3 + 40;
                        g0 = g0 / 3 + 45;
                        b0 = b0 / 3 + 40;
                    }
                } else if (cls == FENCE) {
                    double ms = s - Math.floor(s / 0.25) * 0.25;
                    if (ms < 0.06) {
                        r0 -= 30;
                        g0 -= 30;
                        b0 -= 30;
                    }
                }
                tex = cls == TREE // the suburb's tree line: leaves, as the street trees' crowns
                        ? (TownScene.hash(scene.seed, 4, (long) Math.floor(s * 3), (long) Math.floor(y * 3)) & 31) - 16
                        : (TownScene.hash(scene.seed, 2, (long) Math.floor(s * 4), (long) Math.floor(y * 4)) & 7) - 4;
            } else {
                int k = object[i];
                int color = objColor[k];
                double nx = 0;
                double ny = 0;
                double nz = -1;
                if (surf == S_SPHERE) {
                    double t = depth[i];
                    nx = (rayX[i] * t - x0[k]) / x1[k];
                    ny = (h + rayY[i] * t - y0[k]) / x1[k];
                    nz = (rayZ[i] * t - z0[k]) / x1[k];
                    tex = (TownScene.hash(scene.seed, 3, (long) Math.floor(nx * 9), (long) Math.floor(ny * 9))
                            & 31) - 16;
                } else if (surf == S_BOX_X) {
                    nx = rayX[i] > 0 ? -1 : 1;
                    nz = 0;
                } else if (surf == S_BOX_Y) {
                    ny = 1;
                    nz = 0;
                }
                light = st.ambient + (1 - st.ambient) * Math.max(0, nx * sunX + ny * sunY - nz * sunZ * 0.5
                        + 0.3);
                int[] p = null;
                if (cls == CAR) {
                    p = st.carPalette[color];
                    double y = coordB[i];
                    double top = y1[k];
                    if (y > top * 0.62 && y < top * 0.92) {
                        p = null;
                        r0 = 45;
                        g0 = 50;
                        b0 = 55;
                    }
                } else if (cls == PEDESTRIAN || cls == BICYCLIST) {
                    p = st.clothPalette[color];
                } else if (cls == SIGN) {
                    r0 = color == 0 ? 40 : color == 1 ? 200 : 30;
                    g0 = color == 0 ? 40 : color == 1 ? 90 : 200;
                    b0 = color == 0 ? 210 : color == 1 ? 30 : 230;
                }
                if (p != null) {
                    r0 = p[2];
                    g0 = p[1];
                    b0 = p[0];
                }
            }
            double f = light * st.brightness;
            int r = (int) (r0 * f) + tex;
            int g = (int) (g0 * f) + tex;
            int b = (int) (b0 * f) + tex;
            float d = depth[i];
            if (d > 0) {
                float keep = hazeTable[(int) Math.min(hazeTable.length - 1, d / st.hazeDistance * HAZE_STEPS)];
                r = (int) (r * keep + st.haze[2] * (1 - keep));
                g = (int) (g * keep + st.haze[1] * (1 - keep));
                b = (int) (b * keep + st.haze[0] * (1 - keep));
            }
            int noise = (TownScene.hash(scene.seed, 4, frame, i) % (2 * st.noise + 1)) - st.noise;
            rgb[i] = (clamp(r + noise) << 16) | (clamp(g + noise) << 8) | clamp(b + noise);
        }
        blur(bgr);
    }

    private static boolean marking(TownScene scene, double s, double l) {
        double half = scene.roadHalf;
        if (Math.abs(Math.abs(l) - (half - 0.25)) < 0.08) {
            return true; // solid edge lines
        }
        for (int k = 1; k < scene.lanes; k++) {
            double boundary = -half + k * scene.laneWidth;
            if (Math.abs(l - boundary) < 0.08) {
                boolean centre = k == scene.lanes / 2;
                double m = s - Math.floor(s / 9.0) * 9.0;
                return centre || m < 3.0;
            }
        }
        return false;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : v > 255 ? 255 : v;
    }

    /** Slight [1 2 1]/4 blur in both directions, in integers (B, G, R planes packed as bytes of rgb[]). */
    private void blur(byte[] bgr) {
        int w = width;
        for (int y = 0; y < height; y++) {
            int row = y * w;
            int up = (y == 0 ? 0 : y - 1) * w;
            int down = (y == height - 1 ? y : y + 1) * w;
            for (int x = 0; x < w; x++) {
                int xl = x == 0 ? 0 : x - 1;
                int xr = x == w - 1 ? x : x + 1;
                int o = (row + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int shift = c * 8; // c=0 → blue (low byte), 1 → green, 2 → red
                    int sum = 4 * ch(rgb[row + x], shift)
                            + 2 * (ch(rgb[row + xl], shift) + ch(rgb[row + xr], shift)
                            + ch(rgb[up + x], shift) + ch(rgb[down + x], shift))
                            + ch(rgb[up + xl], shift) + ch(rgb[up + xr], shift)
                            + ch(rgb[down + xl], shift) + ch(rgb[down + xr], shift);
                    bgr[o + c] = (byte) ((sum + 8) >> 4);
                }
            }
        }
    }

    private static int ch(int packed, int shift) {
        return (packed >> shift) & 0xff;
    }
}
