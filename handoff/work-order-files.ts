import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { AppError } from "../core/app-error.js";

/**
 * Past work orders (历史工单) as exports hold them: JSON Lines, CSV (UTF-8 or GB18030, as Excel in China saves
 * it) or an Excel workbook's first sheet. Column names are matched loosely (case, spaces, and the names the 12345
 * exports use: 留言编号, 留言主题, 留言详情, 留言时间, 点赞数, 答复意见 …). Reading checks shape only; what the
 * values mean is checked by the import (complaint-history.ts).
 */

export const COLUMNS = {
  id: ["id", "编号", "留言编号", "工单编号", "工单号", "sourceid"],
  text: ["text", "content", "详情", "留言详情", "内容", "诉求内容", "工单内容"],
  time: ["time", "date", "createdat", "时间", "留言时间", "来电时间", "受理时间", "创建时间"],
  title: ["title", "subject", "主题", "留言主题", "标题"],
  place: ["place", "location", "地点", "地址", "区域", "所属区域"],
  category: ["category", "类别", "分类", "一级分类", "问题分类", "一级标签"],
  likes: ["likes", "votes", "点赞数", "点赞"],
  reply: ["reply", "officialreply", "答复意见", "答复", "回复", "办理结果"],
  citizen: ["citizen", "user", "userid", "留言用户", "用户", "来电人"],
} as const;
export type Column = keyof typeof COLUMNS;
export const REQUIRED_COLUMNS: readonly Column[] = ["id", "text", "time"];

export type Cell = string | number | boolean | Date | null;

export interface SourceRow {
  /** 1-based line of the file where the record starts (for a workbook, the sheet's row number). */
  line: number;
  cells: Partial<Record<Column, Cell>>;
}

export interface RowProblem {
  line: number;
  /** The column the problem is in, as the file names it, when it is about one value. */
  column?: string;
  message: string;
}

export interface WorkOrderFile {
  format: "jsonl" | "csv" | "xlsx";
  rows: SourceRow[];
  /** Rows that could not be read at all (bad JSON, an unclosed quote). */
  problems: RowProblem[];
  /** Our column → the file's name for it. */
  columns: Partial<Record<Column, string>>;
}

const canon = (name: string): string =>
  name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s_-]/g, "");
const ALIASES = new Map<string, Column>();
for (const [column, names] of Object.entries(COLUMNS) as [Column, readonly string[]][])
  for (const n of names) ALIASES.set(canon(n), column);

export const columnOf = (name: string): Column | undefined => ALIASES.get(canon(name));

/** Reads and splits a file into rows; throws AppError("bad_input") when the file as a whole cannot be used. */
export async function readWorkOrderFile(path: string): Promise<WorkOrderFile> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder"
          : code === "EACCES"
            ? "permission denied"
            : (e as Error).message;
    throw new AppError("bad_input", `cannot read ${path}: ${why}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".xlsx" || isZip(data)) return readXlsx(path, data);
  if (ext === ".xls")
    throw new AppError("bad_input", `${path}: old .xls workbooks are not read; save it as .xlsx or CSV`);
  const text = decode(data, path);
  const first = text.trimStart()[0];
  if (
    ext === ".jsonl" ||
    ext === ".ndjson" ||
    ext === ".json" ||
    (ext !== ".csv" && ext !== ".tsv" && first === "{")
  )
    return readJsonLines(text, path);
  return readCsv(text, path, ext === ".tsv" ? "\t" : undefined);
}

function isZip(data: Buffer): boolean {
  return data.length > 4 && data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04;
}

/** UTF-8 when it is valid UTF-8, else GB18030 (a superset of GBK, what Excel in China writes CSV in). */
function decode(data: Buffer, path: string): string {
  if (data.includes(0))
    throw new AppError("bad_input", `${path}: not a text file (JSON Lines or CSV expected)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    try {
      text = new TextDecoder("gb18030", { fatal: true }).decode(data);
    } catch {
      throw new AppError("bad_input", `${path}: neither UTF-8 nor GB18030 text`);
    }
  }
  return text.replace(/^\uFEFF/, "");
}

function mapColumns(names: readonly string[], path: string): Partial<Record<Column, string>> {
  const columns: Partial<Record<Column, string>> = {};
  for (const name of names) {
    const c = columnOf(name);
    if (c && columns[c] === undefined) columns[c] = name;
  }
  const missing = REQUIRED_COLUMNS.filter((c) => columns[c] === undefined);
  if (missing.length > 0) {
    const shown = names.filter((n) => n.trim()).slice(0, 20);
    throw new AppError(
      "bad_input",
      `${path}: no ${missing.map((c) => `"${c}"`).join(", ")} column (required: id, text, time; found: ${
        shown.length ? shown.join(", ") : "none"
      })`,
    );
  }
  return columns;
}

function readJsonLines(text: string, path: string): WorkOrderFile {
  const rows: SourceRow[] = [];
  const problems: RowProblem[] = [];
  const seenNames = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      problems.push({ line, message: `not valid JSON (${(e as Error).message})` });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push({ line, message: "not a JSON object" });
      return;
    }
    const cells: Partial<Record<Column, Cell>> = {};
    for (const [name, v] of Object.entries(value)) {
      seenNames.add(name);
      const c = columnOf(name);
      if (!c || c in cells) continue;
      cells[c] =
        v === undefined || typeof v === "object" ? (v === null ? null : JSON.stringify(v)) : (v as Cell);
    }
    rows.push({ line, cells });
  });
  if (rows.length === 0 && problems.length === 0)
    throw new AppError("bad_input", `${path}: the file has no rows`);
  // A column no row has is missing from the file, not from one row.
  const columns = rows.length > 0 ? mapColumns([...seenNames], path) : {};
  return { format: "jsonl", rows, problems, columns };
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; each record keeps its first line. */
function readCsv(text: string, path: string, delimiter?: string): WorkOrderFile {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const sep =
    delimiter ??
    ([",", "\t", ";"] as const).reduce((best, d) =>
      firstLine.split(d).length > firstLine.split(best).length ? d : best,
    );
  const records: { line: number; fields: string[] }[] = [];
  const problems: RowProblem[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let field = "";
    let done = false;
    while (!done) {
      if (text[i] === '"') {
        i++;
        let closed = false;
        while (i < text.length) {
          const ch = text[i] as string;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === "\n") line++;
          field += ch;
          i++;
        }
        if (!closed) {
          problems.push({
            line: start,
            message: "a quoted field is never closed; the rest of the file is not read",
          });
          return finishCsv(records, problems, path);
        }
      }
      while (i < text.length && text[i] !== sep && text[i] !== "\n" && text[i] !== "\r") field += text[i++];
      if (text[i] === sep) {
        fields.push(field);
        field = "";
        i++;
        continue;
      }
      fields.push(field);
      if (text[i] === "\r") i++;
      if (text[i] === "\n") i++;
      line++;
      done = true;
      if (i >= text.length) break;
    }
    if (!(fields.length === 1 && fields[0]?.trim() === "")) records.push({ line: start, fields });
  }
  return finishCsv(records, problems, path);
}

function finishCsv(
  records: { line: number; fields: string[] }[],
  problems: RowProblem[],
  path: string,
): WorkOrderFile {
  const header = records.shift();
  if (!header) throw new AppError("bad_input", `${path}: the file is empty`);
  const columns = mapColumns(header.fields, path);
  const index = new Map<Column, number>();
  for (const [c, name] of Object.entries(columns) as [Column, string][])
    index.set(c, header.fields.indexOf(name));
  const rows: SourceRow[] = [];
  for (const r of records) {
    if (r.fields.length > header.fields.length) {
      problems.push({
        line: r.line,
        message: `${r.fields.length} fields where the header has ${header.fields.length} (a comma in an unquoted value?)`,
      });
      continue;
    }
    const cells: Partial<Record<Column, Cell>> = {};
    for (const [c, k] of index) cells[c] = r.fields[k] ?? null;
    rows.push({ line: r.line, cells });
  }
  return { format: "csv", rows, problems, columns };
}

async function readXlsx(path: string, data: Buffer): Promise<WorkOrderFile> {
  let sheet: Cell[][];
  try {
    // Loaded only for workbooks: most imports are JSON Lines or CSV.
    const { readSheet } = await import("read-excel-file/node");
    sheet = (await readSheet(data)) as Cell[][];
  } catch (e) {
    throw new AppError("bad_input", `${path}: not a readable .xlsx workbook (${(e as Error).message})`);
  }
  const [header, ...body] = sheet;
  if (!header) throw new AppError("bad_input", `${path}: the first sheet is empty`);
  const names = header.map((h) => (h === null ? "" : String(h)));
  const columns = mapColumns(names, path);
  const rows: SourceRow[] = [];
  body.forEach((cellsOfRow, k) => {
    if (cellsOfRow.every((c) => c === null || String(c).trim() === "")) return;
    const cells: Partial<Record<Column, Cell>> = {};
    for (const [c, name] of Object.entries(columns) as [Column, string][])
      cells[c] = cellsOfRow[names.indexOf(name)] ?? null;
    rows.push({ line: k + 2, cells });
  });
  return { format: "xlsx", rows, problems: [], columns };
}
