"""Demo content for OCOP Market: categories, cooperatives, products and stories.

Pure Python data (no Django imports); a loader turns it into pages and rows.

Conventions:
- Prices are integer đồng; ``compare_at_price`` is None or above ``price``.
- GTINs are GTIN-14 strings (indicator 0 + Vietnamese GS1 prefix 893) with valid check
  digits; the company and item numbers are fictional demo numbers.
- ``province_code``/``ward_code`` are the two-tier units in force since July 2025
  (``vietnam_provinces``); ``old_place_name`` is the pre-2025 name the stories use.
- ``harvest_months`` lists the months in season order (e.g. [11, 12, 1] runs November to
  January), so its first and last items are the harvest start and end months.
- Products with ``ocop_stars`` None are not OCOP-certified; all their ``ocop_*`` fields are None.
  A certificate lasts 36 months; 5-star ratings are issued at national level.
- Registration numbers, phone numbers, e-mail addresses (example.com), contact names and
  certificate numbers are made up for the demo.
"""

CATEGORIES: list[dict] = [
    {
        "slug": "tea",
        "name_vi": "Chè",
        "name_en": "Tea",
        "icon": "tea",
        "intro_vi": (
            "Chè xanh sao suốt từ các vùng chè Tân Cương, La Bằng và chè Shan tuyết vùng cao. "
            "Mỗi gói chè đều ghi rõ hợp tác xã và lô sản xuất."
        ),
    },
    {
        "slug": "fruit",
        "name_vi": "Trái cây",
        "name_en": "Fruit",
        "icon": "fruit",
        "intro_vi": (
            "Trái cây theo mùa từ các hợp tác xã vùng trung du và miền núi phía Bắc. Khi chưa "
            "vào vụ, bạn có thể đặt trước để nhà vườn chủ động thu hái."
        ),
    },
    {
        "slug": "noodles-grains",
        "name_vi": "Miến, bún & gạo",
        "name_en": "Noodles, vermicelli & rice",
        "icon": "noodles",
        "intro_vi": (
            "Miến dong, bún khô, phở khô và gạo đặc sản của vùng Bắc Kạn cũ, nay thuộc tỉnh "
            "Thái Nguyên."
        ),
    },
    {
        "slug": "honey",
        "name_vi": "Mật ong",
        "name_en": "Honey",
        "icon": "honey",
        "intro_vi": (
            "Mật ong bạc hà và mật ong hoa rừng của các hộ nuôi ong nội trên cao nguyên đá Hà "
            "Giang cũ, nay thuộc tỉnh Tuyên Quang."
        ),
    },
    {
        "slug": "mushrooms",
        "name_vi": "Nấm",
        "name_en": "Mushrooms",
        "icon": "mushroom",
        "intro_vi": (
            "Nấm hương và mộc nhĩ trồng dưới tán rừng quanh hồ Ba Bể, được sấy khô ngay tại bản."
        ),
    },
    {
        "slug": "dried-goods",
        "name_vi": "Đặc sản khô",
        "name_en": "Dried specialties",
        "icon": "other",
        "intro_vi": (
            "Măng khô, hồng sấy dẻo, thảo quả và bột dong riềng: những đặc sản dễ bảo quản, "
            "tiện làm quà gửi đi xa."
        ),
    },
]

COOPERATIVES: list[dict] = [
    {
        "slug": "htx-che-la-bang",
        "name": "HTX Chè La Bằng",
        "registration_number": "4600358127",
        "province_code": 19,
        "ward_code": 5818,
        "old_place_name": "xã La Bằng, huyện Đại Từ, tỉnh Thái Nguyên",
        "contact_name": "Lê Thị Thu Trang",
        "phone": "02080000101",
        "email": "labang@example.com",
        "founded_year": 2011,
        "tagline_vi": "Chè xanh sao suốt dưới chân dãy Tam Đảo",
        "story_vi": (
            "La Bằng là xã vùng chè nằm dưới chân dãy Tam Đảo, trước đây thuộc huyện Đại Từ, "
            "tỉnh Thái Nguyên. Khí hậu mát, nhiều sương và nguồn nước từ các khe suối trên núi "
            "cho chè nơi đây nước xanh, vị chát dịu và hậu ngọt.\n\n"
            "HTX Chè La Bằng có khoảng 30 ha chè của các hộ thành viên. Theo bà Nguyễn Thị "
            "Hải, Giám đốc HTX, chia sẻ với báo chí, trung bình mỗi ngày HTX sản xuất được "
            "khoảng 3 tạ chè búp khô.\n\n"
            "Trong thời gian dịch COVID-19, kênh phân phối truyền thống bị sụt giảm, sản lượng "
            "tiêu thụ của HTX có lúc giảm tới 40%. HTX đẩy mạnh quảng bá sản phẩm trên các sàn "
            "thương mại điện tử; sau đó, mỗi ngày HTX có khoảng 100 đơn hàng với hơn 1,2 tạ "
            "chè búp khô bán ra thị trường.\n\n"
            "Khi khách hàng đã quen mua chè trực tuyến, HTX chú trọng hơn đến bao gói và bảo "
            "quản để chè đến tay người mua vẫn giữ được hương vị. Mỗi gói chè trên OCOP Market "
            "đều có tem QR cho biết lô chè được hái, sao và đóng gói vào ngày nào."
        ),
    },
    {
        "slug": "htx-na-la-hien",
        "name": "HTX Na La Hiên",
        "registration_number": "4600741256",
        "province_code": 19,
        "ward_code": 5740,
        "old_place_name": "xã La Hiên, huyện Võ Nhai, tỉnh Thái Nguyên",
        "contact_name": "Dương Văn Quý",
        "phone": "02080000102",
        "email": "nalahien@example.com",
        "founded_year": 2016,
        "tagline_vi": "Na dai trồng trên sườn núi đá vôi Võ Nhai",
        "story_vi": (
            "Xã La Hiên, trước đây thuộc huyện Võ Nhai, tỉnh Thái Nguyên, có nhiều đồi núi đá "
            "vôi. Cây na được trồng trên các sườn đồi đá, ra quả vào khoảng tháng 8 và tháng 9 "
            "hằng năm.\n\n"
            "Na La Hiên là giống na dai: múi dày, thịt chắc, vị ngọt thanh. Theo báo chí đưa "
            "tin, trong một vụ thu hoạch gần đây, nhờ các kênh thương mại điện tử, trên 70 tấn "
            "na của xã La Hiên đã đến tay người tiêu dùng.\n\n"
            "Na chín nhanh và dễ dập, nên HTX chỉ hái khi đã có đơn, phân loại ngay tại vườn "
            "và đóng thùng có lót xốp. Ngoài vụ, khách hàng có thể đặt trước; HTX sẽ liên hệ "
            "xác nhận ngày giao khi na bắt đầu chín.\n\n"
            "Những tháng không có na, các hộ thành viên thu hái măng rừng, luộc chín rồi phơi "
            "thành măng khô để bán quanh năm."
        ),
    },
    {
        "slug": "htx-che-tan-cuong",
        "name": "HTX Chè Tân Cương",
        "registration_number": "4600628493",
        "province_code": 19,
        "ward_code": 5503,
        "old_place_name": "xã Tân Cương, thành phố Thái Nguyên, tỉnh Thái Nguyên",
        "contact_name": "Nguyễn Văn Thắng",
        "phone": "02080000103",
        "email": "tancuong@example.com",
        "founded_year": 2009,
        "tagline_vi": "Chè móc câu từ vùng chè Tân Cương",
        "story_vi": (
            "Tân Cương là vùng chè lâu đời ở phía tây nam thành phố Thái Nguyên (cũ), gần hồ "
            "Núi Cốc. Chè được hái một tôm hai lá rồi sao trong chảo gang, cánh chè xoăn nhỏ "
            "như chiếc móc câu.\n\n"
            "HTX Chè Tân Cương được thành lập năm 2009 từ các hộ làm chè lâu năm trong xã. Các "
            "hộ thành viên thống nhất quy trình chăm sóc, ghi nhật ký bón phân, phun thuốc và "
            "thu hái, cùng đóng gói và bán sản phẩm dưới một nhãn hiệu chung.\n\n"
            "HTX bắt đầu bán hàng trực tuyến khi tỉnh Thái Nguyên đẩy mạnh đưa sản phẩm OCOP "
            "lên các sàn thương mại điện tử. Trên OCOP Market, mỗi gói chè của HTX có tem QR "
            "để người mua tra cứu lô hái và ngày sao."
        ),
    },
    {
        "slug": "htx-mien-dong-na-ri",
        "name": "HTX Miến dong Na Rì",
        "registration_number": "4700284619",
        "province_code": 19,
        "ward_code": 2155,
        "old_place_name": "huyện Na Rì, tỉnh Bắc Kạn",
        "contact_name": "Hoàng Thị Lan",
        "phone": "02090000104",
        "email": "miendong.nari@example.com",
        "founded_year": 2014,
        "tagline_vi": "Miến dong làm từ củ dong riềng vùng núi Na Rì",
        "story_vi": (
            "Na Rì, trước đây là một huyện của tỉnh Bắc Kạn, nay thuộc tỉnh Thái Nguyên, là "
            "vùng trồng dong riềng lâu năm. Củ dong được thu hoạch từ khoảng tháng 11 đến "
            "tháng 2 năm sau, đúng mùa hanh khô thuận lợi cho việc phơi miến.\n\n"
            "Các hộ thành viên trồng dong trên nương, nghiền lọc lấy tinh bột rồi tráng, phơi "
            "và cắt sợi. HTX không dùng chất tẩy trắng, nên sợi miến giữ màu nâu trong của "
            "tinh bột dong; khi nấu, sợi dai và không bị nát.\n\n"
            "Bắc Kạn từng là một trong những tỉnh khó khăn nhất cả nước nhưng sớm đưa công "
            "nghệ số vào đời sống: từ tháng 12/2022, tỉnh thí điểm mô hình Chợ 4.0, thanh toán "
            "bằng mã QR tại 12 chợ. Các hộ làm miến cũng quen dần với việc nhận tiền chuyển "
            "khoản và nhận đơn qua điện thoại.\n\n"
            "Trên OCOP Market, miến của HTX được đóng túi 300 g, 500 g, 1 kg và thùng 5 kg, "
            "mỗi gói kèm tem QR truy xuất lô sản xuất."
        ),
    },
    {
        "slug": "htx-mat-ong-meo-vac",
        "name": "HTX Mật ong bạc hà Mèo Vạc",
        "registration_number": "5100417832",
        "province_code": 8,
        "ward_code": 769,
        "old_place_name": "huyện Mèo Vạc, tỉnh Hà Giang",
        "contact_name": "Thào Mí Sính",
        "phone": "02190000105",
        "email": "matong.meovac@example.com",
        "founded_year": 2015,
        "tagline_vi": "Mật ong hoa bạc hà trên cao nguyên đá",
        "story_vi": (
            "Mèo Vạc, trước đây thuộc tỉnh Hà Giang, nay thuộc tỉnh Tuyên Quang, nằm trên cao "
            "nguyên đá Đồng Văn. Cuối thu, hoa bạc hà dại nở tím các sườn núi; đó là nguồn mật "
            "chính của đàn ong nội.\n\n"
            "Các hộ thành viên, phần lớn là đồng bào Mông, nuôi ong nội trong đõ gỗ đặt quanh "
            "nhà và trên nương. Mật bạc hà được quay từ khoảng tháng 11 đến tháng 1 năm sau; "
            "mật có màu vàng sáng, vị ngọt đậm và thoảng mùi hoa.\n\n"
            "Theo số liệu năm 2021, toàn bộ các xã của tỉnh Hà Giang (cũ) đã có cáp quang đến "
            "trung tâm xã và tỷ lệ phủ sóng di động đạt 98,6%. Tuy vậy, dân cư sống phân tán, "
            "nhiều nơi trên núi sóng vẫn yếu. HTX nhận đơn qua điện thoại, đóng chai tại trung "
            "tâm xã rồi gửi đi qua bưu điện.\n\n"
            "Mỗi chai mật trên OCOP Market có tem QR mang chữ ký số. Người mua và cán bộ kiểm "
            "tra có thể xác minh tem ngay trên điện thoại, kể cả khi không có kết nối mạng."
        ),
    },
    {
        "slug": "htx-gao-bao-thai-cho-don",
        "name": "HTX Gạo Bao Thai Chợ Đồn",
        "registration_number": "4700352908",
        "province_code": 19,
        "ward_code": 2020,
        "old_place_name": "huyện Chợ Đồn, tỉnh Bắc Kạn",
        "contact_name": "Ma Văn Hưng",
        "phone": "02090000106",
        "email": "baothai.chodon@example.com",
        "founded_year": 2017,
        "tagline_vi": "Gạo Bao Thai một vụ từ những thung lũng Chợ Đồn",
        "story_vi": (
            "Bao Thai là giống lúa được trồng lâu năm ở các thung lũng của Chợ Đồn, trước đây "
            "là một huyện của tỉnh Bắc Kạn. Mỗi năm bà con chỉ cấy một vụ lúa Bao Thai vào mùa "
            "hè và gặt vào khoảng tháng 10.\n\n"
            "Gạo Bao Thai hạt nhỏ, trong; cơm mềm, hơi dẻo và vẫn ngon khi để nguội. HTX thu "
            "mua thóc của các hộ thành viên, xay xát vừa phải và làm thêm bún khô, phở khô từ "
            "chính loại gạo này.\n\n"
            "Ở Thái Nguyên, những sản phẩm OCOP như gạo, mỳ gạo, miến, mật ong, nấm đã được "
            "bán trên các sàn thương mại điện tử từ nhiều năm nay. Sau khi Bắc Kạn hợp nhất "
            "vào tỉnh Thái Nguyên năm 2025, HTX cũng đưa gạo của mình lên các kênh này.\n\n"
            "Gạo được đóng túi 2 kg và 5 kg hút chân không để giữ được lâu khi gửi đi xa, hoặc "
            "bao 10 kg cho gia đình đông người."
        ),
    },
    {
        "slug": "htx-nam-rung-ba-be",
        "name": "HTX Nấm rừng Ba Bể",
        "registration_number": "4700419375",
        "province_code": 19,
        "ward_code": 1906,
        "old_place_name": "huyện Ba Bể, tỉnh Bắc Kạn",
        "contact_name": "Triệu Thị Mai",
        "phone": "02090000107",
        "email": "namrung.babe@example.com",
        "founded_year": 2018,
        "tagline_vi": "Nấm hương, mộc nhĩ từ vùng rừng quanh hồ Ba Bể",
        "story_vi": (
            "Ba Bể, trước đây là một huyện của tỉnh Bắc Kạn, được biết đến với hồ Ba Bể và "
            "những cánh rừng núi đá bao quanh. Người Tày, người Dao ở đây từ lâu đã hái nấm "
            "hương, mộc nhĩ trên những thân cây mục trong rừng.\n\n"
            "Để không khai thác cạn nguồn nấm tự nhiên, HTX hướng dẫn các hộ thành viên cấy "
            "nấm hương trên khúc gỗ đặt dưới tán rừng, để nấm mọc theo thời tiết. Nấm được hái "
            "khi mũ còn cụp và sấy bằng lò củi ngay tại bản.\n\n"
            "Vào mùa thu, khi hồng không hạt chín rộ ở các xã vùng cao, HTX thu mua và sấy dẻo "
            "hồng để bán vào dịp cuối năm.\n\n"
            "Mỗi túi nấm trên OCOP Market mang tem QR ghi rõ hộ thu hái, ngày sấy và lô đóng "
            "gói."
        ),
    },
    {
        "slug": "htx-cam-quyt-bach-thong",
        "name": "HTX Cam quýt Bạch Thông",
        "registration_number": "4700563184",
        "province_code": 19,
        "ward_code": 2014,
        "old_place_name": "huyện Bạch Thông, tỉnh Bắc Kạn",
        "contact_name": "Nông Văn Dũng",
        "phone": "02090000108",
        "email": "camquyt.bachthong@example.com",
        "founded_year": 2019,
        "tagline_vi": "Cam, quýt chín cây bên thượng nguồn sông Cầu",
        "story_vi": (
            "Bạch Thông, trước đây là một huyện của tỉnh Bắc Kạn, có nhiều đồi thấp dọc thượng "
            "nguồn sông Cầu. Cam, quýt được trồng ở đây từ lâu và là nguồn thu chính của nhiều "
            "gia đình.\n\n"
            "Quýt Bắc Kạn chín vào khoảng tháng 11 đến tháng 1 năm sau: vỏ mỏng, màu vàng cam, "
            "múi mọng nước, vị ngọt hơi chua. HTX chỉ hái quả đã chín trên cây, lau sạch và "
            "đóng thùng ngay trong ngày.\n\n"
            "Trước đây, phần lớn cam quýt được bán cho thương lái tại vườn. Từ khi quen thanh "
            "toán bằng mã QR ở các phiên chợ, các hộ thành viên mạnh dạn hơn trong việc bán lẻ "
            "cho khách ở xa qua mạng."
        ),
    },
    {
        "slug": "htx-che-shan-tuyet-hoang-su-phi",
        "name": "HTX Chè Shan tuyết Hoàng Su Phì",
        "registration_number": "5100298640",
        "province_code": 8,
        "ward_code": 1021,
        "old_place_name": "huyện Hoàng Su Phì, tỉnh Hà Giang",
        "contact_name": "Lý Văn Chiến",
        "phone": "02190000109",
        "email": "shantuyet.hsp@example.com",
        "founded_year": 2013,
        "tagline_vi": "Chè Shan tuyết hái tay trên núi cao Hoàng Su Phì",
        "story_vi": (
            "Hoàng Su Phì, trước đây là một huyện của tỉnh Hà Giang, nay thuộc tỉnh Tuyên "
            "Quang, có những ruộng bậc thang và vườn chè Shan tuyết lâu năm. Búp chè phủ một "
            "lớp lông tơ trắng mịn, nên bà con gọi là chè Shan tuyết.\n\n"
            "Các hộ thành viên, phần lớn là đồng bào Dao và Nùng, hái chè bằng tay từ những "
            "cây chè mọc rải rác trên sườn núi. Chè được làm héo, vò và sao theo cách truyền "
            "thống; một phần được ủ lên men để làm hồng trà.\n\n"
            "Ngoài chè, HTX thu mua thảo quả bà con trồng dưới tán rừng và sấy khô bằng lò củi "
            "vào cuối thu.\n\n"
            "HTX ở xa trung tâm, đường đi lại còn khó khăn, nên việc bán hàng qua mạng giúp "
            "chè vùng cao đến với người mua ở miền xuôi dễ hơn. Tem QR trên mỗi gói chè cho "
            "biết vườn chè và ngày chế biến."
        ),
    },
]

PRODUCTS: list[dict] = [
    {
        "slug": "che-bup-la-bang",
        "cooperative": "htx-che-la-bang",
        "category": "tea",
        "title": "Chè búp La Bằng",
        "short_description_vi": (
            "Chè xanh búp sao suốt của HTX Chè La Bằng, nước xanh vàng, vị chát dịu, hậu ngọt."
        ),
        "story_vi": (
            "Chè búp được hái một tôm hai, ba lá từ các nương chè của hộ thành viên ở xã La "
            "Bằng (huyện Đại Từ cũ). Chè được làm héo nhẹ, vò rồi sao suốt trong tôn quay đến "
            "khi cánh chè săn, khô đều.\n\n"
            "Đây là loại chè dùng hằng ngày, hợp pha ấm to cho cả nhà. Pha với nước khoảng "
            "85-90 °C, tráng chè một lần rồi hãm 2-3 phút.\n\n"
            "Trong thời gian dịch COVID-19, nhờ bán trên các sàn thương mại điện tử, mỗi ngày "
            "HTX có khoảng 100 đơn hàng chè búp khô."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2024-0153",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-03-15",
        "ocop_expires_on": "2027-03-15",
        "featured": True,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "LB-TEA-BUP-200",
                "gtin": "08934601100017",
                "net_weight_g": 200,
                "unit_label_vi": "Túi 200 g",
                "price": 70_000,
                "compare_at_price": None,
                "stock": 120,
            },
            {
                "sku": "LB-TEA-BUP-500",
                "gtin": "08934601100024",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 165_000,
                "compare_at_price": 180_000,
                "stock": 80,
            },
            {
                "sku": "LB-TEA-BUP-1000",
                "gtin": "08934601100031",
                "net_weight_g": 1000,
                "unit_label_vi": "Túi 1 kg",
                "price": 320_000,
                "compare_at_price": None,
                "stock": 40,
            },
        ],
    },
    {
        "slug": "che-moc-cau-la-bang",
        "cooperative": "htx-che-la-bang",
        "category": "tea",
        "title": "Chè móc câu La Bằng",
        "short_description_vi": (
            "Chè móc câu cánh nhỏ, xoăn đều, hương cốm nhẹ, hợp pha ấm nhỏ tiếp khách."
        ),
        "story_vi": (
            "Chè móc câu được chọn từ những búp non, hái một tôm một lá hoặc một tôm hai lá "
            "vào buổi sáng. Sau khi sao, cánh chè xoăn lại như chiếc móc câu, màu xanh đen, có "
            "lớp tuyết mỏng.\n\n"
            "Nước chè xanh vàng sáng, vị chát dịu và ngọt hậu. Mỗi lần pha dùng khoảng 5-7 g "
            "chè cho ấm 150 ml."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2024-0154",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-03-15",
        "ocop_expires_on": "2027-03-15",
        "featured": False,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "LB-TEA-MC-100",
                "gtin": "08934601100048",
                "net_weight_g": 100,
                "unit_label_vi": "Túi 100 g",
                "price": 55_000,
                "compare_at_price": None,
                "stock": 150,
            },
            {
                "sku": "LB-TEA-MC-200",
                "gtin": "08934601100055",
                "net_weight_g": 200,
                "unit_label_vi": "Hộp 200 g",
                "price": 115_000,
                "compare_at_price": None,
                "stock": 60,
            },
            {
                "sku": "LB-TEA-MC-500",
                "gtin": "08934601100062",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 260_000,
                "compare_at_price": None,
                "stock": 35,
            },
        ],
    },
    {
        "slug": "che-non-tom-la-bang",
        "cooperative": "htx-che-la-bang",
        "category": "tea",
        "title": "Chè nõn tôm La Bằng",
        "short_description_vi": (
            "Chè làm từ phần tôm non nhất của búp chè, cánh nhỏ và đều, hương thơm thanh."
        ),
        "story_vi": (
            "Mỗi búp chỉ lấy phần tôm và một lá non sát tôm, nên để làm được 1 kg chè nõn tôm "
            "cần nhiều công hái hơn hẳn chè búp thường. HTX chỉ làm chè nõn tôm vào những đợt "
            "chè đẹp trong vụ xuân và vụ thu.\n\n"
            "Nước chè màu xanh nhạt, vị ngọt rõ. Nên pha với nước khoảng 80 °C để chè không bị "
            "đắng."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2025-0041",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-04-22",
        "ocop_expires_on": "2028-04-22",
        "featured": False,
        "harvest_months": [3, 4, 8, 9],
        "preorder": None,
        "variants": [
            {
                "sku": "LB-TEA-NT-100",
                "gtin": "08934601100079",
                "net_weight_g": 100,
                "unit_label_vi": "Hộp 100 g",
                "price": 95_000,
                "compare_at_price": None,
                "stock": 45,
            },
            {
                "sku": "LB-TEA-NT-200",
                "gtin": "08934601100086",
                "net_weight_g": 200,
                "unit_label_vi": "Hộp 200 g",
                "price": 185_000,
                "compare_at_price": None,
                "stock": 0,
            },
        ],
    },
    {
        "slug": "hong-tra-la-bang",
        "cooperative": "htx-che-la-bang",
        "category": "tea",
        "title": "Hồng trà La Bằng",
        "short_description_vi": (
            "Hồng trà làm từ búp chè La Bằng, ủ lên men, nước đỏ nâu, vị ngọt dịu."
        ),
        "story_vi": (
            "Bên cạnh chè xanh, HTX làm thêm hồng trà từ chính những búp chè La Bằng: chè được "
            "làm héo, vò kỹ và ủ lên men trước khi sấy khô.\n\n"
            "Hồng trà có nước màu đỏ nâu, vị ngọt dịu, ít chát, có thể uống nóng hoặc pha với "
            "sữa, chanh."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "TN-OCOP-2025-0212",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-10-08",
        "ocop_expires_on": "2028-10-08",
        "featured": False,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "LB-TEA-HT-100",
                "gtin": "08934601100093",
                "net_weight_g": 100,
                "unit_label_vi": "Hộp 100 g",
                "price": 75_000,
                "compare_at_price": None,
                "stock": 50,
            },
            {
                "sku": "LB-TEA-HT-250",
                "gtin": "08934601100109",
                "net_weight_g": 250,
                "unit_label_vi": "Túi 250 g",
                "price": 175_000,
                "compare_at_price": None,
                "stock": 30,
            },
        ],
    },
    {
        "slug": "che-xanh-la-bang-tui-loc",
        "cooperative": "htx-che-la-bang",
        "category": "tea",
        "title": "Chè xanh La Bằng túi lọc",
        "short_description_vi": (
            "Chè xanh La Bằng đóng túi lọc 2 g, tiện pha tại văn phòng hoặc khi đi xa."
        ),
        "story_vi": (
            "Chè búp La Bằng được sấy lại, nghiền vừa và đóng vào túi lọc, mỗi túi 2 g.\n\n"
            "Mỗi túi pha được một cốc 200 ml; nhúng túi trong nước nóng 2-3 phút rồi lấy ra để "
            "chè không bị chát."
        ),
        "ocop_stars": None,
        "ocop_certificate_number": None,
        "ocop_issuing_level": None,
        "ocop_issued_on": None,
        "ocop_expires_on": None,
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "LB-TEA-TL-50",
                "gtin": "08934601100116",
                "net_weight_g": 50,
                "unit_label_vi": "Hộp 25 túi x 2 g",
                "price": 45_000,
                "compare_at_price": None,
                "stock": 90,
            },
        ],
    },
    {
        "slug": "che-la-bang-hop-qua",
        "cooperative": "htx-che-la-bang",
        "category": "tea",
        "title": "Chè La Bằng hộp quà",
        "short_description_vi": (
            "Hộp quà gồm hai hộp chè móc câu La Bằng 100 g, phù hợp biếu tặng dịp lễ Tết."
        ),
        "story_vi": (
            "Hộp quà gồm hai hộp thiếc chè móc câu, mỗi hộp 100 g, đặt trong hộp giấy cứng có "
            "in hình đồi chè La Bằng.\n\n"
            "Mỗi hộp thiếc đều có tem QR riêng, người nhận quà có thể tra cứu lô chè và ngày "
            "đóng gói."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2024-0155",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-03-15",
        "ocop_expires_on": "2027-03-15",
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "LB-TEA-QUA-200",
                "gtin": "08934601100123",
                "net_weight_g": 200,
                "unit_label_vi": "Hộp quà 2 x 100 g",
                "price": 230_000,
                "compare_at_price": 250_000,
                "stock": 25,
            },
        ],
    },
    {
        "slug": "che-moc-cau-tan-cuong",
        "cooperative": "htx-che-tan-cuong",
        "category": "tea",
        "title": "Chè móc câu Tân Cương",
        "short_description_vi": (
            "Chè móc câu sao chảo gang từ xã Tân Cương, cánh xoăn nhỏ, hương cốm, nước xanh vàng."
        ),
        "story_vi": (
            "Búp chè được hái một tôm hai lá vào buổi sáng, làm héo rồi sao bằng chảo gang. "
            "Người sao chè phải điều chỉnh lửa liên tục để cánh chè xoăn đều mà không bị "
            "cháy.\n\n"
            "Chè có hương cốm non, nước xanh vàng trong, vị chát nhẹ lúc đầu và ngọt sâu ở "
            "cuối. Mỗi lần pha dùng khoảng 5 g chè cho ấm nhỏ, hãm 1-2 phút."
        ),
        "ocop_stars": 5,
        "ocop_certificate_number": "QG-OCOP-2024-0019",
        "ocop_issuing_level": "national",
        "ocop_issued_on": "2024-12-20",
        "ocop_expires_on": "2027-12-20",
        "featured": True,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "TC-TEA-MC-100",
                "gtin": "08934601200014",
                "net_weight_g": 100,
                "unit_label_vi": "Túi 100 g",
                "price": 60_000,
                "compare_at_price": None,
                "stock": 140,
            },
            {
                "sku": "TC-TEA-MC-250",
                "gtin": "08934601200021",
                "net_weight_g": 250,
                "unit_label_vi": "Túi 250 g",
                "price": 145_000,
                "compare_at_price": None,
                "stock": 70,
            },
            {
                "sku": "TC-TEA-MC-500",
                "gtin": "08934601200038",
                "net_weight_g": 500,
                "unit_label_vi": "Hộp 500 g",
                "price": 285_000,
                "compare_at_price": 310_000,
                "stock": 30,
            },
        ],
    },
    {
        "slug": "che-non-tom-tan-cuong",
        "cooperative": "htx-che-tan-cuong",
        "category": "tea",
        "title": "Chè nõn tôm Tân Cương",
        "short_description_vi": (
            "Chè nõn tôm chọn lọc từ những búp non nhất, cánh nhỏ, nước xanh nhạt, vị ngọt thanh."
        ),
        "story_vi": (
            "Chè nõn tôm chỉ lấy phần tôm và lá non sát tôm. Để có 1 kg chè khô, người hái "
            "phải nhặt nhiều búp hơn hẳn so với chè móc câu.\n\n"
            "Nên pha với nước khoảng 80 °C, hãm ngắn để giữ được vị ngọt và hương thơm."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2024-0098",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-02-27",
        "ocop_expires_on": "2027-02-27",
        "featured": False,
        "harvest_months": [3, 4, 8, 9],
        "preorder": None,
        "variants": [
            {
                "sku": "TC-TEA-NT-100",
                "gtin": "08934601200045",
                "net_weight_g": 100,
                "unit_label_vi": "Hộp 100 g",
                "price": 110_000,
                "compare_at_price": None,
                "stock": 40,
            },
            {
                "sku": "TC-TEA-NT-250",
                "gtin": "08934601200052",
                "net_weight_g": 250,
                "unit_label_vi": "Hộp 250 g",
                "price": 270_000,
                "compare_at_price": None,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "che-bup-tan-cuong",
        "cooperative": "htx-che-tan-cuong",
        "category": "tea",
        "title": "Chè búp Tân Cương",
        "short_description_vi": "Chè búp Tân Cương dùng hằng ngày, vị đậm, giá vừa phải.",
        "story_vi": (
            "Chè búp được hái một tôm hai, ba lá, sao bằng tôn quay để cánh chè đều. Đây là "
            "loại chè nhiều gia đình dùng hằng ngày.\n\n"
            "Chè có vị đậm, chát rõ hơn chè móc câu, hợp pha ấm to hoặc pha trà đá."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "TN-OCOP-2024-0099",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-02-27",
        "ocop_expires_on": "2027-02-27",
        "featured": False,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "TC-TEA-BUP-500",
                "gtin": "08934601200069",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 150_000,
                "compare_at_price": None,
                "stock": 100,
            },
            {
                "sku": "TC-TEA-BUP-1000",
                "gtin": "08934601200076",
                "net_weight_g": 1000,
                "unit_label_vi": "Túi 1 kg",
                "price": 290_000,
                "compare_at_price": None,
                "stock": 60,
            },
        ],
    },
    {
        "slug": "che-tan-cuong-tui-loc",
        "cooperative": "htx-che-tan-cuong",
        "category": "tea",
        "title": "Chè Tân Cương túi lọc",
        "short_description_vi": (
            "Chè xanh Tân Cương đóng túi lọc 2 g, pha nhanh mà vẫn giữ vị chè quen thuộc."
        ),
        "story_vi": (
            "Chè búp Tân Cương được sấy lại và đóng túi lọc, mỗi hộp 20 túi.\n\n"
            "Mỗi túi pha một cốc khoảng 200 ml nước nóng, để 2-3 phút là dùng được."
        ),
        "ocop_stars": None,
        "ocop_certificate_number": None,
        "ocop_issuing_level": None,
        "ocop_issued_on": None,
        "ocop_expires_on": None,
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "TC-TEA-TL-40",
                "gtin": "08934601200083",
                "net_weight_g": 40,
                "unit_label_vi": "Hộp 20 túi x 2 g",
                "price": 38_000,
                "compare_at_price": None,
                "stock": 75,
            },
        ],
    },
    {
        "slug": "che-tan-cuong-hop-qua",
        "cooperative": "htx-che-tan-cuong",
        "category": "tea",
        "title": "Chè Tân Cương hộp quà",
        "short_description_vi": (
            "Hộp quà ba loại chè Tân Cương: chè búp, chè móc câu và chè nõn tôm, mỗi loại 100 g."
        ),
        "story_vi": (
            "Hộp quà giúp người nhận thưởng thức ba loại chè của cùng một vùng để so sánh "
            "hương vị: chè búp đậm, chè móc câu thơm cốm và chè nõn tôm ngọt thanh.\n\n"
            "Mỗi hộp nhỏ bên trong có tem QR riêng, ghi rõ lô chè và ngày sao."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2025-0178",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-09-12",
        "ocop_expires_on": "2028-09-12",
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "TC-TEA-QUA-300",
                "gtin": "08934601200090",
                "net_weight_g": 300,
                "unit_label_vi": "Hộp quà 3 x 100 g",
                "price": 330_000,
                "compare_at_price": None,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "na-la-hien-loai-1",
        "cooperative": "htx-na-la-hien",
        "category": "fruit",
        "title": "Na La Hiên loại 1",
        "short_description_vi": (
            "Na dai La Hiên loại 1, quả to đều, hái khi vừa già, giao trong vụ tháng 8-9."
        ),
        "story_vi": (
            "Na loại 1 là những quả nặng từ khoảng 300 g trở lên, vỏ xanh, mắt na nở đều. Na "
            "được hái khi vừa già, để 2-3 ngày ở nhiệt độ phòng là chín mềm.\n\n"
            "Ngoài vụ, HTX mở đặt trước cho vụ năm sau. Khi na bắt đầu chín, HTX gọi điện xác "
            "nhận ngày giao và giao hàng theo thứ tự đặt trước.\n\n"
            "Trong một vụ thu hoạch gần đây, trên 70 tấn na của xã La Hiên đã được bán qua các "
            "kênh thương mại điện tử."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TN-OCOP-2024-0201",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-08-30",
        "ocop_expires_on": "2027-08-30",
        "featured": True,
        "harvest_months": [8, 9],
        "preorder": {
            "opens": "2026-11-15",
            "closes": "2027-07-31",
        },
        "variants": [
            {
                "sku": "LH-NA-L1-5KG",
                "gtin": "08934601300011",
                "net_weight_g": 5000,
                "unit_label_vi": "Thùng 5 kg",
                "price": 400_000,
                "compare_at_price": None,
                "stock": 0,
            },
        ],
    },
    {
        "slug": "mang-kho-vo-nhai",
        "cooperative": "htx-na-la-hien",
        "category": "dried-goods",
        "title": "Măng khô Võ Nhai",
        "short_description_vi": (
            "Măng rừng Võ Nhai luộc chín, phơi nắng thành măng khô, dùng để hầm, xào hoặc nấu canh."
        ),
        "story_vi": (
            "Vào mùa mưa, các hộ thành viên lên rừng lấy măng, bóc vỏ, luộc chín rồi phơi nắng "
            "hoặc sấy trên gác bếp cho đến khi khô hẳn.\n\n"
            "Trước khi nấu, ngâm măng qua đêm, luộc lại 2-3 lần nước rồi xé sợi. Măng khô hợp "
            "hầm chân giò, xào hoặc nấu canh."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "TN-OCOP-2025-0063",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-05-16",
        "ocop_expires_on": "2028-05-16",
        "featured": False,
        "harvest_months": [5, 6, 7, 8, 9],
        "preorder": None,
        "variants": [
            {
                "sku": "LH-MANG-500",
                "gtin": "08934601300028",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 175_000,
                "compare_at_price": None,
                "stock": 40,
            },
            {
                "sku": "LH-MANG-1000",
                "gtin": "08934601300035",
                "net_weight_g": 1000,
                "unit_label_vi": "Túi 1 kg",
                "price": 340_000,
                "compare_at_price": None,
                "stock": 25,
            },
        ],
    },
    {
        "slug": "mien-dong-na-ri",
        "cooperative": "htx-mien-dong-na-ri",
        "category": "noodles-grains",
        "title": "Miến dong Na Rì",
        "short_description_vi": (
            "Miến dong làm từ tinh bột dong riềng Na Rì, sợi dai, màu nâu trong tự nhiên."
        ),
        "story_vi": (
            "Củ dong riềng được thu hoạch vào mùa đông, rửa sạch, nghiền và lọc lấy tinh bột. "
            "Tinh bột được tráng thành bánh, phơi một nắng rồi cắt sợi và phơi tiếp đến khi "
            "khô.\n\n"
            "Miến không dùng chất tẩy trắng nên có màu nâu trong. Khi nấu chỉ cần ngâm nước "
            "lạnh khoảng 10 phút; sợi miến dai, không bị nát khi xào hay nấu canh."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "BK-OCOP-2024-0031",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-06-11",
        "ocop_expires_on": "2027-06-11",
        "featured": True,
        "harvest_months": [11, 12, 1, 2],
        "preorder": None,
        "variants": [
            {
                "sku": "NR-MIEN-500",
                "gtin": "08934702100015",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 55_000,
                "compare_at_price": None,
                "stock": 200,
            },
            {
                "sku": "NR-MIEN-1000",
                "gtin": "08934702100022",
                "net_weight_g": 1000,
                "unit_label_vi": "Túi 1 kg",
                "price": 105_000,
                "compare_at_price": None,
                "stock": 120,
            },
            {
                "sku": "NR-MIEN-5KG",
                "gtin": "08934702100039",
                "net_weight_g": 5000,
                "unit_label_vi": "Thùng 5 kg",
                "price": 480_000,
                "compare_at_price": 525_000,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "mien-dong-soi-nho-na-ri",
        "cooperative": "htx-mien-dong-na-ri",
        "category": "noodles-grains",
        "title": "Miến dong sợi nhỏ Na Rì",
        "short_description_vi": (
            "Miến dong sợi nhỏ, nhanh mềm, hợp nấu miến gà, miến lươn hoặc nhúng lẩu."
        ),
        "story_vi": (
            "Miến sợi nhỏ được làm cùng quy trình với miến dong Na Rì thông thường nhưng cắt "
            "sợi mảnh hơn, nên chỉ cần ngâm nước khoảng 5 phút là mềm.\n\n"
            "Sợi miến nhỏ hợp với các món nước như miến gà, miến lươn hoặc nhúng lẩu."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "BK-OCOP-2024-0032",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-06-11",
        "ocop_expires_on": "2027-06-11",
        "featured": False,
        "harvest_months": [11, 12, 1, 2],
        "preorder": None,
        "variants": [
            {
                "sku": "NR-MIEN-SN-300",
                "gtin": "08934702100046",
                "net_weight_g": 300,
                "unit_label_vi": "Túi 300 g",
                "price": 35_000,
                "compare_at_price": None,
                "stock": 150,
            },
            {
                "sku": "NR-MIEN-SN-1000",
                "gtin": "08934702100053",
                "net_weight_g": 1000,
                "unit_label_vi": "Túi 1 kg",
                "price": 115_000,
                "compare_at_price": None,
                "stock": 60,
            },
        ],
    },
    {
        "slug": "bot-dong-rieng-na-ri",
        "cooperative": "htx-mien-dong-na-ri",
        "category": "dried-goods",
        "title": "Bột dong riềng Na Rì",
        "short_description_vi": (
            "Tinh bột dong riềng nguyên chất, dùng nấu chè, làm bánh hoặc pha nước uống."
        ),
        "story_vi": (
            "Tinh bột dong được lọc nhiều lần qua nước sạch, phơi khô rồi đóng túi. Bột mịn, "
            "màu trắng ngà.\n\n"
            "Bột dong có thể khuấy với nước sôi và chút đường để uống, nấu chè hoặc làm bánh."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "BK-OCOP-2023-0027",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2023-05-18",
        "ocop_expires_on": "2026-05-18",
        "featured": False,
        "harvest_months": [11, 12, 1, 2],
        "preorder": None,
        "variants": [
            {
                "sku": "NR-BOT-500",
                "gtin": "08934702100060",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 45_000,
                "compare_at_price": None,
                "stock": 80,
            },
        ],
    },
    {
        "slug": "mat-ong-bac-ha-meo-vac",
        "cooperative": "htx-mat-ong-meo-vac",
        "category": "honey",
        "title": "Mật ong bạc hà Mèo Vạc",
        "short_description_vi": (
            "Mật ong từ hoa bạc hà dại trên cao nguyên đá Mèo Vạc, màu vàng sáng, vị ngọt đậm."
        ),
        "story_vi": (
            "Hoa bạc hà dại nở vào cuối thu trên các sườn núi đá. Đàn ong nội của các hộ thành "
            "viên lấy mật từ hoa; mật được quay từ khoảng tháng 11 đến tháng 1 năm sau.\n\n"
            "Mật có màu vàng sáng, vị ngọt đậm, thoảng mùi thơm của hoa. Trời lạnh, mật có thể "
            "kết tinh một phần; đây là hiện tượng tự nhiên, ngâm chai vào nước ấm là mật tan "
            "trở lại.\n\n"
            "Chai 1 lít của vụ mới sẽ được đóng sau khi HTX quay xong mật."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "HG-OCOP-2024-0045",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-07-02",
        "ocop_expires_on": "2027-07-02",
        "featured": True,
        "harvest_months": [11, 12, 1],
        "preorder": None,
        "variants": [
            {
                "sku": "MV-MO-BH-250",
                "gtin": "08935103100017",
                "net_weight_g": 350,
                "unit_label_vi": "Lọ 250 ml",
                "price": 195_000,
                "compare_at_price": None,
                "stock": 60,
            },
            {
                "sku": "MV-MO-BH-500",
                "gtin": "08935103100024",
                "net_weight_g": 700,
                "unit_label_vi": "Chai 500 ml",
                "price": 380_000,
                "compare_at_price": None,
                "stock": 45,
            },
            {
                "sku": "MV-MO-BH-1000",
                "gtin": "08935103100031",
                "net_weight_g": 1400,
                "unit_label_vi": "Chai 1 lít",
                "price": 740_000,
                "compare_at_price": None,
                "stock": 0,
            },
        ],
    },
    {
        "slug": "mat-ong-hoa-rung-meo-vac",
        "cooperative": "htx-mat-ong-meo-vac",
        "category": "honey",
        "title": "Mật ong hoa rừng Mèo Vạc",
        "short_description_vi": (
            "Mật của đàn ong nội lấy từ nhiều loại hoa rừng vùng cao, quay vào mùa xuân và đầu hè."
        ),
        "story_vi": (
            "Ngoài mùa bạc hà, đàn ong nội lấy mật từ nhiều loài hoa rừng và hoa cây ăn quả "
            "quanh bản. Mật được quay vào khoảng tháng 4 đến tháng 6.\n\n"
            "Mật hoa rừng có màu hổ phách, vị ngọt dịu hơn mật bạc hà, hợp pha nước chanh hoặc "
            "dùng với sữa chua."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "HG-OCOP-2024-0046",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-07-02",
        "ocop_expires_on": "2027-07-02",
        "featured": False,
        "harvest_months": [4, 5, 6],
        "preorder": None,
        "variants": [
            {
                "sku": "MV-MO-HR-500",
                "gtin": "08935103100048",
                "net_weight_g": 700,
                "unit_label_vi": "Chai 500 ml",
                "price": 280_000,
                "compare_at_price": None,
                "stock": 50,
            },
            {
                "sku": "MV-MO-HR-1000",
                "gtin": "08935103100055",
                "net_weight_g": 1400,
                "unit_label_vi": "Chai 1 lít",
                "price": 540_000,
                "compare_at_price": None,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "mat-ong-bac-ha-con-sap",
        "cooperative": "htx-mat-ong-meo-vac",
        "category": "honey",
        "title": "Mật ong bạc hà còn sáp",
        "short_description_vi": "Bánh sáp ong bạc hà còn nguyên mật, cắt miếng đóng hộp.",
        "story_vi": (
            "Một phần bánh tổ trong vụ bạc hà được giữ nguyên, cắt thành miếng và đóng hộp, "
            "không qua quay ly tâm.\n\n"
            "Có thể cắt từng miếng nhỏ ăn kèm bánh mì, sữa chua hoặc nhai cả sáp."
        ),
        "ocop_stars": None,
        "ocop_certificate_number": None,
        "ocop_issuing_level": None,
        "ocop_issued_on": None,
        "ocop_expires_on": None,
        "featured": False,
        "harvest_months": [11, 12, 1],
        "preorder": None,
        "variants": [
            {
                "sku": "MV-MO-SAP-500",
                "gtin": "08935103100062",
                "net_weight_g": 500,
                "unit_label_vi": "Hộp 500 g",
                "price": 300_000,
                "compare_at_price": None,
                "stock": 15,
            },
        ],
    },
    {
        "slug": "gao-bao-thai-cho-don",
        "cooperative": "htx-gao-bao-thai-cho-don",
        "category": "noodles-grains",
        "title": "Gạo Bao Thai Chợ Đồn",
        "short_description_vi": (
            "Gạo Bao Thai một vụ của Chợ Đồn, hạt nhỏ, cơm mềm, hơi dẻo và thơm nhẹ."
        ),
        "story_vi": (
            "Lúa Bao Thai được cấy mỗi năm một vụ vào mùa hè trên ruộng thung lũng, gặt vào "
            "khoảng tháng 10. Thóc được phơi khô, bảo quản trong kho của HTX và xay dần theo "
            "đơn.\n\n"
            "Gạo hạt nhỏ, trong; cơm mềm, hơi dẻo và vẫn ngon khi để nguội. Nên vo nhẹ và nấu "
            "với lượng nước ít hơn gạo tẻ thông thường một chút."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "BK-OCOP-2024-0058",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-10-25",
        "ocop_expires_on": "2027-10-25",
        "featured": True,
        "harvest_months": [10, 11],
        "preorder": None,
        "variants": [
            {
                "sku": "CD-GAO-BT-2KG",
                "gtin": "08934702200012",
                "net_weight_g": 2000,
                "unit_label_vi": "Túi 2 kg",
                "price": 56_000,
                "compare_at_price": None,
                "stock": 150,
            },
            {
                "sku": "CD-GAO-BT-5KG",
                "gtin": "08934702200029",
                "net_weight_g": 5000,
                "unit_label_vi": "Túi 5 kg",
                "price": 135_000,
                "compare_at_price": None,
                "stock": 90,
            },
            {
                "sku": "CD-GAO-BT-10KG",
                "gtin": "08934702200036",
                "net_weight_g": 10_000,
                "unit_label_vi": "Bao 10 kg",
                "price": 260_000,
                "compare_at_price": None,
                "stock": 40,
            },
        ],
    },
    {
        "slug": "gao-lut-bao-thai",
        "cooperative": "htx-gao-bao-thai-cho-don",
        "category": "noodles-grains",
        "title": "Gạo lứt Bao Thai",
        "short_description_vi": "Gạo lứt xay từ thóc Bao Thai Chợ Đồn, còn nguyên lớp cám.",
        "story_vi": (
            "Thóc Bao Thai chỉ được bóc vỏ trấu, giữ nguyên lớp cám bên ngoài hạt gạo.\n\n"
            "Nên ngâm gạo lứt 2-3 giờ trước khi nấu để cơm mềm hơn."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "TN-OCOP-2025-0230",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-11-14",
        "ocop_expires_on": "2028-11-14",
        "featured": False,
        "harvest_months": [10, 11],
        "preorder": None,
        "variants": [
            {
                "sku": "CD-GAO-LUT-2KG",
                "gtin": "08934702200043",
                "net_weight_g": 2000,
                "unit_label_vi": "Túi 2 kg",
                "price": 70_000,
                "compare_at_price": None,
                "stock": 60,
            },
        ],
    },
    {
        "slug": "bun-kho-gao-bao-thai",
        "cooperative": "htx-gao-bao-thai-cho-don",
        "category": "noodles-grains",
        "title": "Bún khô gạo Bao Thai",
        "short_description_vi": (
            "Bún khô làm từ gạo Bao Thai, sợi mảnh, trụng nhanh, dùng cho bún xào, bún nước."
        ),
        "story_vi": (
            "Gạo Bao Thai được ngâm, xay thành bột nước, ép sợi rồi phơi khô.\n\n"
            "Trụng bún trong nước sôi khoảng 5-7 phút rồi xả lại bằng nước lạnh là dùng được."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "BK-OCOP-2024-0059",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-10-25",
        "ocop_expires_on": "2027-10-25",
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "CD-BUN-500",
                "gtin": "08934702200050",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 35_000,
                "compare_at_price": None,
                "stock": 120,
            },
            {
                "sku": "CD-BUN-5KG",
                "gtin": "08934702200067",
                "net_weight_g": 5000,
                "unit_label_vi": "Thùng 10 túi x 500 g",
                "price": 330_000,
                "compare_at_price": None,
                "stock": 15,
            },
        ],
    },
    {
        "slug": "pho-kho-gao-bao-thai",
        "cooperative": "htx-gao-bao-thai-cho-don",
        "category": "noodles-grains",
        "title": "Phở khô gạo Bao Thai",
        "short_description_vi": (
            "Bánh phở khô làm từ gạo Bao Thai, sợi dẹt, dùng nấu phở hoặc xào."
        ),
        "story_vi": (
            "Bột gạo Bao Thai được tráng thành bánh mỏng, hấp chín, phơi khô rồi cắt sợi.\n\n"
            "Ngâm phở trong nước ấm khoảng 10 phút, sau đó trụng qua nước sôi trước khi chan "
            "nước dùng."
        ),
        "ocop_stars": None,
        "ocop_certificate_number": None,
        "ocop_issuing_level": None,
        "ocop_issued_on": None,
        "ocop_expires_on": None,
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "CD-PHO-500",
                "gtin": "08934702200074",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 38_000,
                "compare_at_price": None,
                "stock": 100,
            },
        ],
    },
    {
        "slug": "gao-nep-cam-cho-don",
        "cooperative": "htx-gao-bao-thai-cho-don",
        "category": "noodles-grains",
        "title": "Gạo nếp cẩm Chợ Đồn",
        "short_description_vi": (
            "Gạo nếp cẩm hạt tím than, dùng đồ xôi, nấu chè hoặc làm sữa chua nếp cẩm."
        ),
        "story_vi": (
            "Nếp cẩm được một số hộ thành viên cấy trên những thửa ruộng cao, mỗi năm một "
            "vụ.\n\n"
            "Gạo có màu tím than, khi đồ xôi có màu tím đậm và mùi thơm đặc trưng. Nên ngâm "
            "gạo khoảng 6-8 giờ trước khi đồ."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "BK-OCOP-2025-0012",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-03-20",
        "ocop_expires_on": "2028-03-20",
        "featured": False,
        "harvest_months": [10, 11],
        "preorder": None,
        "variants": [
            {
                "sku": "CD-NEP-CAM-1KG",
                "gtin": "08934702200081",
                "net_weight_g": 1000,
                "unit_label_vi": "Túi 1 kg",
                "price": 55_000,
                "compare_at_price": None,
                "stock": 70,
            },
            {
                "sku": "CD-NEP-CAM-2KG",
                "gtin": "08934702200098",
                "net_weight_g": 2000,
                "unit_label_vi": "Túi 2 kg",
                "price": 105_000,
                "compare_at_price": None,
                "stock": 35,
            },
        ],
    },
    {
        "slug": "nam-huong-rung-ba-be",
        "cooperative": "htx-nam-rung-ba-be",
        "category": "mushrooms",
        "title": "Nấm hương rừng Ba Bể",
        "short_description_vi": (
            "Nấm hương trồng trên khúc gỗ dưới tán rừng Ba Bể, sấy củi, mũ dày, thơm đậm."
        ),
        "story_vi": (
            "Nấm được cấy trên khúc gỗ đặt dưới tán rừng và mọc theo thời tiết, chủ yếu vào "
            "mùa xuân. Người trồng hái nấm khi mũ còn cụp rồi sấy bằng lò củi ngay tại bản.\n\n"
            "Nấm có mũ dày, chân ngắn, mùi thơm đậm. Ngâm nấm trong nước ấm khoảng 30 phút "
            "trước khi nấu; nước ngâm có thể dùng để nêm canh."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "BK-OCOP-2024-0072",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-11-29",
        "ocop_expires_on": "2027-11-29",
        "featured": True,
        "harvest_months": [2, 3, 4],
        "preorder": None,
        "variants": [
            {
                "sku": "BB-NAM-HUONG-100",
                "gtin": "08934702300019",
                "net_weight_g": 100,
                "unit_label_vi": "Túi 100 g",
                "price": 65_000,
                "compare_at_price": None,
                "stock": 90,
            },
            {
                "sku": "BB-NAM-HUONG-200",
                "gtin": "08934702300026",
                "net_weight_g": 200,
                "unit_label_vi": "Túi 200 g",
                "price": 125_000,
                "compare_at_price": None,
                "stock": 60,
            },
            {
                "sku": "BB-NAM-HUONG-500",
                "gtin": "08934702300033",
                "net_weight_g": 500,
                "unit_label_vi": "Hộp 500 g",
                "price": 295_000,
                "compare_at_price": 320_000,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "moc-nhi-rung-ba-be",
        "cooperative": "htx-nam-rung-ba-be",
        "category": "mushrooms",
        "title": "Mộc nhĩ rừng Ba Bể",
        "short_description_vi": (
            "Mộc nhĩ (nấm mèo) phơi khô, tai dày, giòn, dùng cho món xào, nem, canh."
        ),
        "story_vi": (
            "Mộc nhĩ mọc trên thân gỗ mục dưới tán rừng trong những tháng mưa nhiều. Bà con "
            "hái, rửa sạch rồi phơi hoặc sấy khô.\n\n"
            "Ngâm mộc nhĩ trong nước khoảng 20 phút, cắt bỏ chân rồi thái sợi. Mộc nhĩ giòn, "
            "hợp làm nhân nem, xào hoặc nấu canh."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "BK-OCOP-2023-0064",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2023-09-06",
        "ocop_expires_on": "2026-09-06",
        "featured": False,
        "harvest_months": [5, 6, 7, 8],
        "preorder": None,
        "variants": [
            {
                "sku": "BB-MOC-NHI-200",
                "gtin": "08934702300040",
                "net_weight_g": 200,
                "unit_label_vi": "Túi 200 g",
                "price": 60_000,
                "compare_at_price": None,
                "stock": 70,
            },
            {
                "sku": "BB-MOC-NHI-500",
                "gtin": "08934702300057",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 145_000,
                "compare_at_price": None,
                "stock": 30,
            },
        ],
    },
    {
        "slug": "hong-khong-hat-say-deo",
        "cooperative": "htx-nam-rung-ba-be",
        "category": "dried-goods",
        "title": "Hồng không hạt sấy dẻo",
        "short_description_vi": (
            "Hồng không hạt Bắc Kạn sấy dẻo, ngọt tự nhiên, không thêm đường."
        ),
        "story_vi": (
            "Hồng không hạt chín vào khoảng tháng 9, tháng 10. HTX chọn những quả chín đều, "
            "gọt vỏ, thái lát và sấy ở nhiệt độ thấp cho đến khi miếng hồng dẻo.\n\n"
            "Hồng sấy không thêm đường, nên bảo quản nơi khô mát hoặc trong ngăn mát tủ lạnh "
            "sau khi mở túi."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "TN-OCOP-2025-0245",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-12-05",
        "ocop_expires_on": "2028-12-05",
        "featured": False,
        "harvest_months": [9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "BB-HONG-SAY-300",
                "gtin": "08934702300064",
                "net_weight_g": 300,
                "unit_label_vi": "Hộp 300 g",
                "price": 95_000,
                "compare_at_price": None,
                "stock": 50,
            },
            {
                "sku": "BB-HONG-SAY-500",
                "gtin": "08934702300071",
                "net_weight_g": 500,
                "unit_label_vi": "Hộp 500 g",
                "price": 150_000,
                "compare_at_price": None,
                "stock": 30,
            },
        ],
    },
    {
        "slug": "quyt-bac-kan",
        "cooperative": "htx-cam-quyt-bach-thong",
        "category": "fruit",
        "title": "Quýt Bắc Kạn",
        "short_description_vi": (
            "Quýt Bắc Kạn chín cây, vỏ mỏng màu vàng cam, múi mọng nước, vị ngọt hơi chua."
        ),
        "story_vi": (
            "Quýt được trồng trên các đồi thấp ở Bạch Thông, chín vào khoảng tháng 11 đến "
            "tháng 1 năm sau. HTX chỉ hái những quả đã chín vàng trên cây.\n\n"
            "Quả được lau sạch, phân loại và đóng thùng ngay trong ngày hái. Nên để quýt ở nơi "
            "thoáng mát và dùng trong khoảng hai tuần."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "BK-OCOP-2024-0090",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-12-16",
        "ocop_expires_on": "2027-12-16",
        "featured": False,
        "harvest_months": [11, 12, 1],
        "preorder": None,
        "variants": [
            {
                "sku": "BT-QUYT-3KG",
                "gtin": "08934702400016",
                "net_weight_g": 3000,
                "unit_label_vi": "Hộp 3 kg",
                "price": 150_000,
                "compare_at_price": None,
                "stock": 60,
            },
            {
                "sku": "BT-QUYT-5KG",
                "gtin": "08934702400023",
                "net_weight_g": 5000,
                "unit_label_vi": "Thùng 5 kg",
                "price": 240_000,
                "compare_at_price": None,
                "stock": 40,
            },
        ],
    },
    {
        "slug": "cam-bac-kan",
        "cooperative": "htx-cam-quyt-bach-thong",
        "category": "fruit",
        "title": "Cam Bắc Kạn",
        "short_description_vi": "Cam Bắc Kạn vỏ mỏng, nhiều nước, hợp ăn tươi hoặc vắt nước.",
        "story_vi": (
            "Cam được hái vào cuối năm, cùng thời gian với quýt. Vỏ quả có thể còn vệt xanh dù "
            "bên trong đã chín.\n\n"
            "Cam nhiều nước, vị ngọt dịu, hợp vắt nước uống hằng ngày."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "BK-OCOP-2024-0091",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-12-16",
        "ocop_expires_on": "2027-12-16",
        "featured": False,
        "harvest_months": [11, 12, 1],
        "preorder": None,
        "variants": [
            {
                "sku": "BT-CAM-5KG",
                "gtin": "08934702400030",
                "net_weight_g": 5000,
                "unit_label_vi": "Thùng 5 kg",
                "price": 175_000,
                "compare_at_price": None,
                "stock": 45,
            },
            {
                "sku": "BT-CAM-10KG",
                "gtin": "08934702400047",
                "net_weight_g": 10_000,
                "unit_label_vi": "Thùng 10 kg",
                "price": 330_000,
                "compare_at_price": None,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "che-shan-tuyet-hoang-su-phi",
        "cooperative": "htx-che-shan-tuyet-hoang-su-phi",
        "category": "tea",
        "title": "Chè Shan tuyết Hoàng Su Phì",
        "short_description_vi": (
            "Chè xanh Shan tuyết hái tay từ những cây chè lâu năm trên núi cao Hoàng Su Phì."
        ),
        "story_vi": (
            "Búp chè Shan tuyết to, phủ lớp lông tơ trắng mịn. Bà con hái bằng tay rồi làm "
            "héo, vò và sao ngay trong ngày.\n\n"
            "Nước chè vàng sáng, vị chát nhẹ và ngọt hậu. Chè có thể pha được nhiều nước; nên "
            "dùng nước khoảng 90 °C."
        ),
        "ocop_stars": 5,
        "ocop_certificate_number": "QG-OCOP-2025-0008",
        "ocop_issuing_level": "national",
        "ocop_issued_on": "2025-06-24",
        "ocop_expires_on": "2028-06-24",
        "featured": True,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "HSP-SHAN-200",
                "gtin": "08935103200014",
                "net_weight_g": 200,
                "unit_label_vi": "Túi 200 g",
                "price": 130_000,
                "compare_at_price": None,
                "stock": 70,
            },
            {
                "sku": "HSP-SHAN-500",
                "gtin": "08935103200021",
                "net_weight_g": 500,
                "unit_label_vi": "Hộp 500 g",
                "price": 310_000,
                "compare_at_price": None,
                "stock": 30,
            },
        ],
    },
    {
        "slug": "hong-tra-shan-tuyet",
        "cooperative": "htx-che-shan-tuyet-hoang-su-phi",
        "category": "tea",
        "title": "Hồng trà Shan tuyết",
        "short_description_vi": (
            "Hồng trà làm từ búp chè Shan tuyết, nước màu hổ phách, vị ngọt dịu."
        ),
        "story_vi": (
            "Búp chè Shan tuyết được làm héo, vò kỹ và ủ lên men trước khi sấy khô.\n\n"
            "Hồng trà có nước màu hổ phách, vị ngọt dịu và ít chát, có thể uống nóng hoặc pha "
            "lạnh."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "HG-OCOP-2024-0118",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2024-11-08",
        "ocop_expires_on": "2027-11-08",
        "featured": False,
        "harvest_months": [3, 4, 5, 6, 7, 8, 9, 10],
        "preorder": None,
        "variants": [
            {
                "sku": "HSP-HONG-TRA-100",
                "gtin": "08935103200038",
                "net_weight_g": 100,
                "unit_label_vi": "Hộp 100 g",
                "price": 95_000,
                "compare_at_price": None,
                "stock": 40,
            },
            {
                "sku": "HSP-HONG-TRA-250",
                "gtin": "08935103200045",
                "net_weight_g": 250,
                "unit_label_vi": "Túi 250 g",
                "price": 220_000,
                "compare_at_price": None,
                "stock": 25,
            },
        ],
    },
    {
        "slug": "che-shan-tuyet-hop-qua",
        "cooperative": "htx-che-shan-tuyet-hoang-su-phi",
        "category": "tea",
        "title": "Chè Shan tuyết hộp quà",
        "short_description_vi": "Hộp quà gồm chè xanh và hồng trà Shan tuyết, mỗi loại 100 g.",
        "story_vi": (
            "Hộp quà gồm một hộp chè xanh và một hộp hồng trà Shan tuyết, để người nhận thử cả "
            "hai cách chế biến từ cùng một loại búp chè.\n\n"
            "Mỗi hộp có tem QR riêng, cho biết vườn chè và ngày chế biến."
        ),
        "ocop_stars": 4,
        "ocop_certificate_number": "TQ-OCOP-2025-0157",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-12-10",
        "ocop_expires_on": "2028-12-10",
        "featured": False,
        "harvest_months": [],
        "preorder": None,
        "variants": [
            {
                "sku": "HSP-SHAN-QUA-200",
                "gtin": "08935103200052",
                "net_weight_g": 200,
                "unit_label_vi": "Hộp quà 2 x 100 g",
                "price": 230_000,
                "compare_at_price": None,
                "stock": 20,
            },
        ],
    },
    {
        "slug": "thao-qua-kho-hoang-su-phi",
        "cooperative": "htx-che-shan-tuyet-hoang-su-phi",
        "category": "dried-goods",
        "title": "Thảo quả khô Hoàng Su Phì",
        "short_description_vi": (
            "Thảo quả trồng dưới tán rừng, sấy khô bằng lò củi, dùng nấu phở, kho và hầm."
        ),
        "story_vi": (
            "Thảo quả được trồng dưới tán rừng già, thu hái vào khoảng tháng 9 đến tháng 11 "
            "rồi sấy khô bằng lò củi.\n\n"
            "Khi dùng, nướng sơ hoặc đập dập quả để dậy mùi. Thảo quả thường dùng nấu nước "
            "dùng phở, kho thịt hoặc hầm xương."
        ),
        "ocop_stars": 3,
        "ocop_certificate_number": "HG-OCOP-2025-0034",
        "ocop_issuing_level": "province",
        "ocop_issued_on": "2025-04-03",
        "ocop_expires_on": "2028-04-03",
        "featured": False,
        "harvest_months": [9, 10, 11],
        "preorder": None,
        "variants": [
            {
                "sku": "HSP-THAO-QUA-200",
                "gtin": "08935103200069",
                "net_weight_g": 200,
                "unit_label_vi": "Túi 200 g",
                "price": 60_000,
                "compare_at_price": None,
                "stock": 80,
            },
            {
                "sku": "HSP-THAO-QUA-500",
                "gtin": "08935103200076",
                "net_weight_g": 500,
                "unit_label_vi": "Túi 500 g",
                "price": 140_000,
                "compare_at_price": None,
                "stock": 40,
            },
        ],
    },
]

STORIES: list[dict] = [
    {
        "slug": "tu-doi-che-la-bang-len-san-thuong-mai-dien-tu",
        "title_vi": "Từ đồi chè La Bằng lên sàn thương mại điện tử",
        "intro_vi": (
            "Khi dịch COVID-19 làm kênh bán hàng truyền thống sụt giảm, một hợp tác xã chè "
            "dưới chân dãy Tam Đảo đã tìm được khách hàng qua mạng."
        ),
        "body_vi": [
            (
                "La Bằng, trước đây thuộc huyện Đại Từ, tỉnh Thái Nguyên, là một trong những "
                "vùng chè được nhiều người biết đến của Thái Nguyên. HTX Chè La Bằng có khoảng "
                "30 ha chè; theo bà Nguyễn Thị Hải, Giám đốc HTX, trung bình mỗi ngày HTX sản "
                "xuất được khoảng 3 tạ chè búp khô."
            ),
            (
                "Trong thời gian dịch COVID-19, kênh phân phối truyền thống bị sụt giảm, sản "
                "lượng tiêu thụ của HTX có lúc giảm tới 40%. HTX chuyển hướng, đẩy mạnh quảng "
                "bá sản phẩm trên các sàn thương mại điện tử."
            ),
            (
                "Theo bà Hải, sau đó mỗi ngày HTX có khoảng 100 đơn hàng, với hơn 1,2 tạ chè "
                "búp khô bán ra thị trường. Khách hàng cũng bắt đầu quen với việc mua sắm trực "
                "tuyến, nên HTX chú trọng hơn đến việc bao gói, bảo quản để giữ chất lượng sản "
                "phẩm."
            ),
            (
                "La Bằng không phải là trường hợp riêng. Trong một vụ thu hoạch, nhờ các kênh "
                "thương mại điện tử, trên 70 tấn na ở xã La Hiên (huyện Võ Nhai cũ) đã được "
                "tiêu thụ đến tay người tiêu dùng. Nhiều sản phẩm OCOP khác của Thái Nguyên "
                "như miến, mật ong, gạo, mỳ gạo, nấm cũng được bán trên các sàn "
                "thainguyentrade.vn, voso.vn và postmart.vn."
            ),
            (
                "Sở Nông nghiệp đã phối hợp với Sở Công Thương và Cục Quản lý thị trường đưa "
                "76 sản phẩm OCOP của tỉnh lên các sàn thương mại điện tử, đồng thời hỗ trợ "
                "180.000 tem truy xuất nguồn gốc sử dụng mã QR cho các cơ sở sản xuất, kinh "
                "doanh nông sản."
            ),
            (
                "Trên OCOP Market, HTX Chè La Bằng tự cập nhật sản phẩm, giá bán và số hàng "
                "còn trong kho. Mỗi gói chè gửi đi đều có tem QR dẫn về đúng lô chè đã hái và "
                "sao."
            ),
        ],
        "source_note_vi": (
            "Tổng hợp từ bài «Chuyển đổi số Thái Nguyên» (Kiên Trung, Trọng Đạt) về kinh tế số "
            "tỉnh Thái Nguyên."
        ),
        "published_on": "2026-09-18",
        "related_cooperative": "htx-che-la-bang",
    },
    {
        "slug": "cho-4-0-di-cho-khong-can-tien-mat",
        "title_vi": "Chợ 4.0: đi chợ không cần tiền mặt",
        "intro_vi": (
            "Từ 12 chợ thí điểm ở Bắc Kạn đến 107 chợ ở Thái Nguyên, quét mã QR để trả tiền đã "
            "trở thành thói quen của nhiều tiểu thương và người đi chợ."
        ),
        "body_vi": [
            (
                "Tháng 12/2022, tỉnh Bắc Kạn (cũ) thí điểm mô hình Chợ 4.0 (chợ thanh toán "
                "không dùng tiền mặt) tại 12 chợ trên địa bàn. Tiểu thương và người dân có thể "
                "mua bán hàng hóa bằng cách quét mã QR hoặc chuyển tiền qua số điện thoại trên "
                "ứng dụng điện tử."
            ),
            (
                "Ngay cả khi điện thoại của khách hàng không có kết nối Internet, việc thanh "
                "toán vẫn thực hiện được thông qua việc nhập mã trên điện thoại. Theo báo Nhân "
                "Dân, sự tiện lợi này nhanh chóng lan tỏa và người dân tự giác mở rộng mô hình."
            ),
            (
                "Đoàn viên, thanh niên Sở Thông tin và Truyền thông Bắc Kạn đã đến từng sạp "
                "hàng để phát mã QR thanh toán trực tuyến cho tiểu thương, như tại chợ phường "
                "Nguyễn Thị Minh Khai, thành phố Bắc Kạn."
            ),
            (
                "Ở Thái Nguyên, theo báo Đại Biểu Nhân Dân, đến năm 2023 toàn tỉnh đã có 107 "
                "chợ thực hiện mô hình thanh toán không dùng tiền mặt; 100% cơ sở giáo dục, "
                "bệnh viện và trung tâm y tế cấp huyện thu học phí, viện phí không dùng tiền "
                "mặt."
            ),
            (
                "Từ tháng 7/2025, Bắc Kạn hợp nhất vào tỉnh Thái Nguyên. Với nhiều hộ sản "
                "xuất, thói quen nhận tiền qua mã QR ở phiên chợ là bước đầu để làm quen với "
                "việc bán hàng qua mạng."
            ),
            (
                "Trên OCOP Market, người mua có thể trả tiền bằng chuyển khoản VietQR, thẻ "
                "hoặc tiền mặt khi nhận hàng. Mỗi đơn hàng được tách theo từng hợp tác xã để "
                "mỗi nơi tự đóng gói và giao phần hàng của mình."
            ),
        ],
        "source_note_vi": (
            "Tổng hợp từ báo Nhân Dân (bài «Bắc Kạn chuyển đổi số trọng tâm, trọng điểm») và "
            "báo Đại Biểu Nhân Dân (bài «Chuyển đổi số góp phần thực hiện các mục tiêu lớn»)."
        ),
        "published_on": "2026-10-09",
        "related_cooperative": None,
    },
    {
        "slug": "tem-qr-truy-xuat-nguon-goc",
        "title_vi": "Tem QR truy xuất nguồn gốc: quét một lần, biết cả hành trình",
        "intro_vi": (
            "Một con tem nhỏ trên túi chè hay chai mật ong có thể cho biết sản phẩm đến từ hợp "
            "tác xã nào, thuộc lô nào và đã được kiểm tra ra sao."
        ),
        "body_vi": [
            (
                "Tỉnh Thái Nguyên đã hỗ trợ 180.000 tem truy xuất nguồn gốc sử dụng mã QR cho "
                "các cơ sở sản xuất, kinh doanh nông sản trên địa bàn. Với người mua, tem QR "
                "là cách nhanh nhất để biết sản phẩm trong tay mình đến từ đâu."
            ),
            (
                "Ở vùng cao, việc này khó hơn. Theo số liệu năm 2021 của tỉnh Hà Giang (cũ), "
                "100% xã đã có cáp quang đến trung tâm và tỷ lệ phủ sóng điện thoại di động "
                "đạt 98,6%, nhưng dân cư sinh sống phân tán nên việc cung cấp dịch vụ cho "
                "người dân còn gặp nhiều khó khăn. Các hình thức kinh doanh mới dựa trên "
                "thương mại điện tử và logistics trong nông nghiệp, dịch vụ, du lịch mới bắt "
                "đầu hình thành."
            ),
            (
                "Tem trên OCOP Market là một đường dẫn theo chuẩn GS1 Digital Link, gồm mã sản "
                "phẩm (GTIN), số lô và số sê-ri riêng của từng tem, kèm chữ ký số. Nhờ chữ ký "
                "này, điện thoại của cán bộ kiểm tra có thể xác minh tem là thật ngay cả khi "
                "không có sóng."
            ),
            (
                "Khi có mạng, trang tra cứu cho biết thêm những điều chỉ máy chủ mới biết: lô "
                "hàng có bị thu hồi hay không, tem đã được quét ở đâu và bao nhiêu lần. Một "
                "con tem được quét ở hai nơi cách xa nhau trong cùng một ngày là dấu hiệu cần "
                "kiểm tra lại."
            ),
            (
                "Với HTX Mật ong bạc hà Mèo Vạc, mỗi lô mật được ghi lại từ lúc quay mật, lọc, "
                "đóng chai đến khi gửi đi. Người mua ở Hà Nội hay TP. Hồ Chí Minh quét tem sẽ "
                "thấy chai mật được đóng ở Mèo Vạc, thuộc lô nào và đóng vào ngày nào."
            ),
            (
                "Tem không thay thế được chất lượng sản phẩm, nhưng giúp người làm ra sản phẩm "
                "tốt được nhận diện và giúp người mua yên tâm hơn khi mua hàng qua mạng."
            ),
        ],
        "source_note_vi": (
            "Tổng hợp từ bài «Chuyển đổi số Thái Nguyên» (Kiên Trung, Trọng Đạt) và bài "
            "«Chuyển đổi số góp phần thúc đẩy phát triển kinh tế-xã hội» (Biện Luân) về tỉnh "
            "Hà Giang."
        ),
        "published_on": "2026-11-06",
        "related_cooperative": "htx-mat-ong-meo-vac",
    },
]


# English names (the English site shows them and English searches find them).
PRODUCT_NAMES_EN = {
    "che-bup-la-bang": "La Bang green tea buds",
    "che-moc-cau-la-bang": "La Bang hook-shaped green tea",
    "che-non-tom-la-bang": "La Bang first-bud green tea",
    "hong-tra-la-bang": "La Bang black tea",
    "che-xanh-la-bang-tui-loc": "La Bang green tea bags",
    "che-la-bang-hop-qua": "La Bang tea gift box",
    "che-moc-cau-tan-cuong": "Tan Cuong hook-shaped green tea",
    "che-non-tom-tan-cuong": "Tan Cuong first-bud green tea",
    "che-bup-tan-cuong": "Tan Cuong green tea buds",
    "che-tan-cuong-tui-loc": "Tan Cuong green tea bags",
    "che-tan-cuong-hop-qua": "Tan Cuong tea gift box",
    "na-la-hien-loai-1": "La Hien custard apples, grade 1",
    "mang-kho-vo-nhai": "Vo Nhai dried bamboo shoots",
    "mien-dong-na-ri": "Na Ri dong vermicelli (arrowroot glass noodles)",
    "mien-dong-soi-nho-na-ri": "Na Ri thin dong vermicelli",
    "bot-dong-rieng-na-ri": "Na Ri arrowroot starch",
    "mat-ong-bac-ha-meo-vac": "Meo Vac mint honey",
    "mat-ong-hoa-rung-meo-vac": "Meo Vac wildflower honey",
    "mat-ong-bac-ha-con-sap": "Mint honey in the comb",
    "gao-bao-thai-cho-don": "Cho Don Bao Thai rice",
    "gao-lut-bao-thai": "Bao Thai brown rice",
    "bun-kho-gao-bao-thai": "Bao Thai dried rice vermicelli",
    "pho-kho-gao-bao-thai": "Bao Thai dried pho noodles",
    "gao-nep-cam-cho-don": "Cho Don black sticky rice",
    "nam-huong-rung-ba-be": "Ba Be wild shiitake mushrooms",
    "moc-nhi-rung-ba-be": "Ba Be wild wood ear mushrooms",
    "hong-khong-hat-say-deo": "Seedless dried persimmons",
    "quyt-bac-kan": "Bac Kan mandarins",
    "cam-bac-kan": "Bac Kan oranges",
    "che-shan-tuyet-hoang-su-phi": "Hoang Su Phi Shan Tuyet tea",
    "hong-tra-shan-tuyet": "Shan Tuyet black tea",
    "che-shan-tuyet-hop-qua": "Shan Tuyet tea gift box",
    "thao-qua-kho-hoang-su-phi": "Hoang Su Phi dried black cardamom",
}
