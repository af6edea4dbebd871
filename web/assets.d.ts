/** The stylesheet is imported as text by mod/launcher/assets.ts (Bun import attribute). */
declare module "*.css" {
  const text: string;
  export default text;
}

/** The web app manifest, imported as text by mod/launcher/assets.ts. */
declare module "*.webmanifest" {
  const text: string;
  export default text;
}

/** Icons, embedded with `with { type: "file" }`: the import is the file's path. */
declare module "*.png" {
  const path: string;
  export default path;
}

declare module "*.svg" {
  const path: string;
  export default path;
}
