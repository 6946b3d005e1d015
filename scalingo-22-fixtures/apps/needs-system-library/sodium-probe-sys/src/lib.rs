pub const FOUND: bool = true;
