/// The supervision runtime: placeholder until issue 2 lands.
enum SupervisionPlaceholder {}
