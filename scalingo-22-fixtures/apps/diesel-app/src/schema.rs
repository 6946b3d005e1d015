diesel::table! {
    notes (id) {
        id -> Int4,
        body -> Text,
    }
}
