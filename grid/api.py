from rest_framework.response import Response
from rest_framework.views import APIView


class GridCollectionView(APIView):
    def get(self, request):
        return Response({"type": "FeatureCollection", "features": []})
