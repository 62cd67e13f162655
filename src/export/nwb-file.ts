// Writing NWB's building blocks (typed groups, text and number datasets, growable series, dynamic tables)
// into an HDF5 file with h5wasm. Numbers are always written with an explicit dtype: h5wasm stores a whole
// JS number (1.0, 470) as int32 unless told otherwise, and NWB's float fields must be floats. h5wasm's dtype
// strings are Python struct codes: "<d" is float64 and "<f" float32 ("<f8" would be read as float32 too).
import { randomUUID } from "node:crypto";
import type { Dataset, File, Group } from "h5wasm/node";

export const NWB_VERSION = "2.7.0";
/** Elements per chunk of a growable dataset (512 KB of float64): small enough to stream, big enough to compress. */
export const CHUNK = 1 << 16;
/** gzip level: 1 is several times faster than the default 4 and compresses these series nearly as well. */
const GZIP = 1;
const F64 = "<d";
const F32 = "<f";

type Namespace = "core" | "hdmf-common";

/** Marks a group or dataset as an instance of an NWB (or hdmf-common) type. */
export function typed(
  obj: Group | Dataset,
  neurodataType: string,
  namespace: Namespace = "core",
): typeof obj {
  obj.create_attribute("namespace", namespace);
  obj.create_attribute("neurodata_type", neurodataType);
  obj.create_attribute("object_id", randomUUID());
  return obj;
}

export function typedGroup(parent: Group, name: string, neurodataType: string, namespace?: Namespace): Group {
  return typed(parent.create_group(name), neurodataType, namespace) as Group;
}

export const text = (parent: Group, name: string, value: string | string[]): Dataset =>
  parent.create_dataset({ name, data: value });

export const float64 = (parent: Group, name: string, values: ArrayLike<number> | number): Dataset =>
  parent.create_dataset({
    name,
    data: typeof values === "number" ? values : Float64Array.from(values),
    dtype: F64,
  });

export const float32 = (parent: Group, name: string, value: number): Dataset =>
  parent.create_dataset({ name, data: value, dtype: F32 });

export const floatAttribute = (obj: Group | Dataset, name: string, value: number): void =>
  obj.create_attribute(name, value, null, F32);

/** A 1-D float64 dataset written batch by batch: chunked, compressed, never held whole in memory. */
export class GrowingSeries {
  readonly dataset: Dataset;
  length = 0;

  constructor(parent: Group, name: string) {
    this.dataset = parent.create_dataset({
      name,
      data: new Float64Array(0),
      shape: [0],
      maxshape: [null],
      chunks: [CHUNK],
      compression: GZIP,
      dtype: F64,
    });
  }

  append(values: Float64Array): void {
    if (values.length === 0) return;
    this.dataset.resize([this.length + values.length]);
    this.dataset.write_slice([[this.length, this.length + values.length]], values);
    this.length += values.length;
  }
}

/**
 * A TimeSeries-like group whose data and timestamps (s) grow together. `kind` is the NWB type (TimeSeries,
 * SpatialSeries, OptogeneticSeries).
 */
export class TimeSeriesWriter {
  readonly group: Group;
  readonly data: GrowingSeries;
  readonly timestamps: GrowingSeries;

  constructor(
    parent: Group,
    name: string,
    kind: string,
    o: { description: string; unit: string; comments?: string; continuity?: string },
  ) {
    this.group = typedGroup(parent, name, kind);
    this.group.create_attribute("description", o.description);
    this.group.create_attribute("comments", o.comments ?? "no comments");
    this.data = new GrowingSeries(this.group, "data");
    this.data.dataset.create_attribute("unit", o.unit);
    floatAttribute(this.data.dataset, "conversion", 1);
    floatAttribute(this.data.dataset, "offset", 0);
    floatAttribute(this.data.dataset, "resolution", -1);
    if (o.continuity) this.data.dataset.create_attribute("continuity", o.continuity);
    this.timestamps = new GrowingSeries(this.group, "timestamps");
    this.timestamps.dataset.create_attribute("interval", 1, null, "<i");
    this.timestamps.dataset.create_attribute("unit", "seconds");
  }

  append(timestampsS: Float64Array, values: Float64Array): void {
    this.timestamps.append(timestampsS);
    this.data.append(values);
  }
}

const EMPTY_TEXT = { shape: [0], dtype: "S" };

/** One column of a dynamic table: numbers (float64 or small integers) or text. */
export type Column =
  | { name: string; description: string; float: ArrayLike<number> }
  | { name: string; description: string; int: ArrayLike<number> }
  | { name: string; description: string; text: string[] };

/**
 * A DynamicTable (or a subtype such as TimeIntervals) with `rows` rows: ids 0…rows−1 and the given columns.
 * `ragged` columns (e.g. TimeIntervals' tags) get their VectorIndex.
 */
export function dynamicTable(
  parent: Group,
  name: string,
  neurodataType: string,
  description: string,
  rows: number,
  columns: Column[],
  ragged: { name: string; description: string; values: string[][] }[] = [],
): Group {
  const g = typedGroup(
    parent,
    name,
    neurodataType,
    neurodataType === "DynamicTable" ? "hdmf-common" : "core",
  );
  g.create_attribute("description", description);
  g.create_attribute("colnames", [...columns.map((c) => c.name), ...ragged.map((r) => r.name)]);
  typed(
    g.create_dataset({ name: "id", data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) }),
    "ElementIdentifiers",
    "hdmf-common",
  );
  for (const c of columns) {
    if (("float" in c ? c.float.length : "int" in c ? c.int.length : c.text.length) !== rows)
      throw new Error(`${name}.${c.name}: ${rows} rows expected`);
    const d =
      "float" in c
        ? g.create_dataset({ name: c.name, data: Float64Array.from(c.float), dtype: F64 })
        : "int" in c
          ? g.create_dataset({ name: c.name, data: BigInt64Array.from(c.int, (v) => BigInt(v)) })
          : g.create_dataset({ name: c.name, data: c.text, ...(rows === 0 ? EMPTY_TEXT : {}) });
    typed(d, "VectorData", "hdmf-common");
    d.create_attribute("description", c.description);
  }
  for (const r of ragged) {
    const flat = r.values.flat();
    const d = typed(
      g.create_dataset({ name: r.name, data: flat, ...(flat.length === 0 ? EMPTY_TEXT : {}) }),
      "VectorData",
      "hdmf-common",
    );
    d.create_attribute("description", r.description);
    let end = 0;
    const index = typed(
      g.create_dataset({
        name: `${r.name}_index`,
        data: Uint32Array.from(r.values, (v) => {
          end += v.length;
          return end;
        }),
      }),
      "VectorIndex",
      "hdmf-common",
    );
    index.create_attribute("description", `index into ${r.name}`);
    index.create_attribute("target", d.create_reference());
  }
  return g;
}

/**
 * Creates (or truncates) an NWB file's HDF5 container. h5wasm (a 4 MB module with the WebAssembly HDF5
 * library inside) is loaded here, on first use, not by every command that imports this file.
 */
export async function createHdf5(path: string): Promise<File> {
  const h5wasm = (await import("h5wasm/node")).default;
  await h5wasm.ready;
  return new h5wasm.File(path, "w");
}
